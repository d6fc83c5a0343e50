"""A shop on a sales channel: how its orders come in (push or pull) and where its stock goes."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WS = "accounts.Workspace"


class ChannelAccount(models.Model):
    """One store on one channel, read through its adapter (``platform/adapters/<adapter>.json``).

    Orders, pushed or pulled, go through ``endpoint`` (its mapping, its guard,
    its form), so both paths store an order the same way. ``cursor`` is the
    updated-since position of the pull; it moves only after a page is stored.
    ``stock_listing`` gives, as expressions over the stock ``record``, the
    channel's own ids of a SKU that its stock update needs (``num_iid``...).
    """

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(_("key"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    adapter = models.CharField(_("channel adapter"), max_length=64)
    endpoint = models.ForeignKey("connectors.Endpoint", null=True, blank=True, on_delete=models.SET_NULL,
                                 related_name="+")
    base_url = models.CharField(_("API base URL"), max_length=2000, blank=True)
    credentials = models.JSONField(default=dict, blank=True)
    pull_enabled = models.BooleanField(default=False)
    pull_interval_seconds = models.PositiveIntegerField(default=60)
    cursor = models.CharField(max_length=200, blank=True)
    next_pull_at = models.DateTimeField(null=True, blank=True)
    last_pull_at = models.DateTimeField(null=True, blank=True)
    last_pull_error = models.TextField(blank=True)
    stock_form = models.ForeignKey("forms.Form", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    stock_sku_field = models.CharField(max_length=80, blank=True)
    stock_available = models.CharField(max_length=500, blank=True)
    stock_listing = models.JSONField(default=dict, blank=True)
    push_enabled = models.BooleanField(default=False)
    push_window_seconds = models.PositiveIntegerField(default=5)
    enabled = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="channel_account_key_unique")]

    def __str__(self) -> str:
        return self.key


class PullPage(models.Model):
    """A page of orders stored by a pull, with the cursor before and after it."""

    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="pages")
    cursor_before = models.CharField(max_length=200, blank=True)
    cursor_after = models.CharField(max_length=200, blank=True)
    page = models.PositiveIntegerField(default=1)
    orders = models.PositiveIntegerField(default=0)
    pulled_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.account_id} {self.cursor_after}"


class StockPush(models.Model):
    """The available quantity of one SKU waiting to be pushed to one channel account.

    While a push is pending, further changes only update ``quantity``: rapid
    changes coalesce into one push per SKU per account per window.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("pending")
        SENT = "sent", _("sent")
        FAILED = "failed", _("failed")

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    account = models.ForeignKey(ChannelAccount, on_delete=models.CASCADE, related_name="stock_pushes")
    sku = models.CharField(max_length=200)
    listing = models.JSONField(default=dict, blank=True)
    quantity = models.BigIntegerField()
    status = models.CharField(max_length=16, choices=Status.choices, default=Status.PENDING)
    due_at = models.DateTimeField()
    attempts = models.PositiveIntegerField(default=0)
    changes = models.PositiveIntegerField(default=1)
    status_code = models.PositiveIntegerField(null=True, blank=True)
    error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["account", "sku"], name="stock_push_pending_unique",
                                               condition=Q(status="pending"))]
        indexes = [models.Index(fields=["due_at"], condition=Q(status="pending"), name="stock_push_due")]

    def __str__(self) -> str:
        return f"{self.account_id}:{self.sku}={self.quantity}"
