"""Inbound webhook endpoints and every delivery they receive, stored raw before it is processed."""

from __future__ import annotations

import secrets

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WS = "accounts.Workspace"
MEMBER = "accounts.Member"


def new_token() -> str:
    return secrets.token_urlsafe(24)


class Endpoint(models.Model):
    """A URL (``/hooks/in/<token>/``) that accepts signed deliveries for one form or one flow.

    ``verification`` is ``{"mode": ..., <mode options>}`` (see ``verification/``).
    A rotated-out secret stays valid until ``previous_secret_expires_at`` so that
    senders can switch over without losing a delivery.
    """

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    app = models.ForeignKey("forms.App", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    key = models.SlugField(_("key"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    token = models.CharField(max_length=64, unique=True, default=new_token)
    verification = models.JSONField(default=dict)
    secret = models.CharField(max_length=500, blank=True)
    previous_secret = models.CharField(max_length=500, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    adapter = models.CharField(_("channel adapter"), max_length=64, blank=True)
    form = models.ForeignKey("forms.Form", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    mapping = models.JSONField(default=dict, blank=True)
    guard = models.JSONField(default=list, blank=True)
    flow = models.ForeignKey("flows.Flow", null=True, blank=True, on_delete=models.PROTECT, related_name="+")
    max_body_bytes = models.PositiveIntegerField(default=1024 * 1024)
    enabled = models.BooleanField(default=True)
    created_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="endpoint_key_unique")]

    def __str__(self) -> str:
        return self.key


class DeliveryStatus(models.TextChoices):
    RECEIVED = "received", _("received")
    PROCESSED = "processed", _("processed")
    SKIPPED = "skipped", _("skipped (older than what is stored)")
    FAILED = "failed", _("failed")
    REJECTED = "rejected", _("rejected")


class Delivery(models.Model):
    """One request to an endpoint. Accepted ones keep their raw body; rejected ones an excerpt and the reason.

    ``delivery_id`` is the sender's id (``webhook-id`` or the mode's id header)
    or, without one, a hash of the body: a replay hits the unique constraint and
    is acknowledged without being processed again. A ``pulled`` delivery holds
    one order a scheduled pull fetched, already in the canonical shape.
    """

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    endpoint = models.ForeignKey(Endpoint, on_delete=models.CASCADE, related_name="deliveries")
    delivery_id = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001  a rejected one has none
    status = models.CharField(max_length=16, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED)
    pulled = models.BooleanField(default=False)
    received_at = models.DateTimeField()
    headers = models.JSONField(default=dict)
    body = models.TextField(blank=True)
    attempts = models.PositiveIntegerField(default=0)
    result = models.JSONField(default=dict, blank=True)
    error = models.JSONField(null=True, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["endpoint", "delivery_id"], name="delivery_id_unique",
                                               condition=Q(delivery_id__isnull=False))]
        indexes = [
            models.Index(fields=["id"], condition=Q(status="received"), name="delivery_pending"),
            models.Index(fields=["endpoint", "id"], condition=Q(status="received"),
                         name="delivery_pending_endpoint"),  # a fair share of each endpoint's backlog
            models.Index(fields=["endpoint", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.endpoint_id}:{self.delivery_id}"


