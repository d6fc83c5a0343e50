"""Reads of endpoints, deliveries and channel accounts for pages and other apps; nothing here writes."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import Workspace

from .models import ChannelAccount, Delivery, DeliveryStatus


def failed_deliveries(workspace: Workspace) -> QuerySet[Delivery]:
    """The workspace's deliveries whose processing failed, newest first, with their endpoint."""
    return (Delivery.objects.filter(workspace=workspace, status=DeliveryStatus.FAILED)
            .select_related("endpoint").order_by("-id"))


def channels_with_pull_errors(workspace: Workspace) -> QuerySet[ChannelAccount]:
    """The workspace's channel accounts whose last pull failed, most recently pulled first."""
    return (ChannelAccount.objects.filter(workspace=workspace).exclude(last_pull_error="")
            .order_by("-last_pull_at", "-id"))
