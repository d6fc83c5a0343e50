"""The simulated channels, one module each (see ``base.py``)."""

from . import douyin, jd, pinduoduo, shopify, taobao, website, woocommerce
from .base import Player, players

__all__ = ["Player", "douyin", "jd", "pinduoduo", "players", "shopify", "taobao", "website", "woocommerce"]
