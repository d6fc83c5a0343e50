"""Outbound webhook subscriptions and the messages sent to them, each with its attempts."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WS = "accounts.Workspace"
MEMBER = "accounts.Member"


class Subscription(models.Model):
    """A URL that receives chosen events, signed the Standard Webhooks way.

    ``events`` lists event types (``record.created``, ``run.failed``...); ``forms``
    narrows record events to some forms (empty: all). After
    ``failure_threshold`` consecutive failed attempts (any message; a success
    resets the count) the subscription is disabled and its creator notified;
    its pending messages wait, and go out once it is enabled again. After a
    rotation, messages are signed with both secrets until
    ``previous_secret_expires_at`` so the receiver can switch without a gap.
    """

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    key = models.SlugField(_("key"), max_length=80)
    name = models.CharField(_("name"), max_length=200)
    url = models.CharField(_("URL"), max_length=2000)
    events = models.JSONField(default=list)
    forms = models.ManyToManyField("forms.Form", blank=True, related_name="+")
    secret = models.CharField(max_length=500)
    previous_secret = models.CharField(max_length=500, blank=True)
    previous_secret_expires_at = models.DateTimeField(null=True, blank=True)
    headers = models.JSONField(default=dict, blank=True)
    enabled = models.BooleanField(default=True)
    failure_threshold = models.PositiveIntegerField(default=20)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True)
    created_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="subscription_key_unique")]

    def __str__(self) -> str:
        return self.key


class MessageStatus(models.TextChoices):
    PENDING = "pending", _("pending")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")


class Message(models.Model):
    """One event for one subscription. ``message_id`` is the ``webhook-id``, the same on every attempt.

    A sender claims a due message by setting ``lease_token`` and
    ``lease_expires_at`` (longer than a request can take), so two workers
    never send it at the same time; a crashed sender's lease simply runs out.
    """

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    subscription = models.ForeignKey(Subscription, on_delete=models.CASCADE, related_name="messages")
    message_id = models.CharField(max_length=64, unique=True)
    event_type = models.CharField(max_length=64)
    event = models.ForeignKey("forms.Event", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    payload = models.JSONField(default=dict)
    status = models.CharField(max_length=16, choices=MessageStatus.choices, default=MessageStatus.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    lease_token = models.CharField(max_length=32, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["subscription", "event"], name="message_event_unique",
                                               condition=Q(event__isnull=False))]
        indexes = [
            models.Index(fields=["next_attempt_at"], condition=Q(status="pending"), name="message_due"),
            models.Index(fields=["subscription", "-id"]),
        ]

    def __str__(self) -> str:
        return self.message_id


class Attempt(models.Model):
    """One try to send a message: what came back and how long it took."""

    message = models.ForeignKey(Message, on_delete=models.CASCADE, related_name="attempt_log")
    started_at = models.DateTimeField()
    status_code = models.PositiveIntegerField(null=True, blank=True)
    latency_ms = models.PositiveIntegerField(default=0)
    succeeded = models.BooleanField(default=False)
    error = models.CharField(max_length=1000, blank=True)
    response_excerpt = models.TextField(blank=True)
    manual = models.BooleanField(default=False)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.message_id} {self.status_code}"
