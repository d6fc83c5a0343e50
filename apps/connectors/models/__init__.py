"""Connector rows: inbound endpoints and their deliveries, outbound subscriptions, channel accounts."""

from .channels import ChannelAccount, PullPage, StockPush
from .inbound import Delivery, DeliveryStatus, Endpoint
from .outbound import Attempt, Message, MessageStatus, Subscription

__all__ = ["Attempt", "ChannelAccount", "Delivery", "DeliveryStatus", "Endpoint", "Message", "MessageStatus", "PullPage",
           "StockPush", "Subscription"]
