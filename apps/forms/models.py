from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _

WS = "accounts.Workspace"
MEMBER = "accounts.Member"


class App(models.Model):
    """A named group of forms, flows and connectors; installing a template creates one."""

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="apps")
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    description = models.TextField(_("description"), blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("app")
        verbose_name_plural = _("apps")
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="app_unique_key")]

    def __str__(self) -> str:
        return self.name


class Form(models.Model):
    """A form definition; ``definition`` is the current version's JSON.

    Fields removed from a definition stay in it with ``"removed": true`` so that
    their data keeps its meaning and comes back if the field is restored.
    """

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="forms")
    app = models.ForeignKey(App, null=True, blank=True, on_delete=models.SET_NULL, related_name="forms")
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    definition = models.JSONField(_("definition"))
    version = models.PositiveIntegerField(_("version"), default=1)
    created_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("form")
        verbose_name_plural = _("forms")
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="form_unique_key")]

    def __str__(self) -> str:
        return self.name


class FormVersion(models.Model):
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    created_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["form", "-version"]
        constraints = [models.UniqueConstraint(fields=["form", "version"], name="formversion_unique")]

    def __str__(self) -> str:
        return f"{self.form_id} v{self.version}"


class Record(models.Model):
    """One row of a form. ``unique_key`` holds the form's unique-key values, joined, for upserts."""

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="records")
    form_version = models.PositiveIntegerField()
    data = models.JSONField(default=dict)
    unique_key = models.CharField(max_length=512, null=True, blank=True)  # noqa: DJ001  NULL: no key
    version = models.PositiveIntegerField(default=1)
    created_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("record")
        verbose_name_plural = _("records")
        constraints = [
            models.UniqueConstraint(
                fields=["form", "unique_key"], condition=Q(unique_key__isnull=False), name="record_unique_key"
            )
        ]
        indexes = [models.Index(fields=["form", "-id"]), models.Index(fields=["form", "created_at"])]

    def __str__(self) -> str:
        return f"{self.form_id}#{self.pk}"


class UniqueValue(models.Model):
    """A value of a field declared unique: the database, not a race-prone query, keeps it unique."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="unique_values")
    field = models.CharField(max_length=64)
    value = models.CharField(max_length=512)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["form", "field", "value"], name="uniquevalue_unique")]

    def __str__(self) -> str:
        return f"{self.field}={self.value}"


class RecordHistory(models.Model):
    class Action(models.TextChoices):
        CREATED = "created", _("created")
        UPDATED = "updated", _("updated")
        DELETED = "deleted", _("deleted")

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="+")
    record_id = models.BigIntegerField(db_index=True)
    action = models.CharField(max_length=16, choices=Action.choices)
    version = models.PositiveIntegerField()
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    changed = models.JSONField(default=list, blank=True)
    actor = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return f"{self.action} {self.record_id} v{self.version}"


class Event(models.Model):
    """The outbox: written in the same transaction as the change it reports.

    The core's relay (``apps.core.outbox``) hands them to its subscribers after
    commit and a sweep picks up any whose dispatch never happened, so no change
    is lost between the two.
    """

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    type = models.CharField(max_length=64)
    form = models.ForeignKey(Form, null=True, blank=True, on_delete=models.CASCADE, related_name="+")
    record_id = models.BigIntegerField(null=True, blank=True)
    payload = models.JSONField(default=dict)
    actor = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    dispatched_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [
            models.Index(fields=["created_at"], condition=Q(dispatched_at__isnull=True), name="event_pending"),
            models.Index(fields=["workspace", "type", "-id"]),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.record_id}"


class SerialSequence(models.Model):
    """The last number handed out for a serial field within one period (gap-free)."""

    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="+")
    field = models.CharField(max_length=64)
    scope = models.CharField(max_length=32, blank=True)
    last = models.PositiveBigIntegerField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["form", "field", "scope"], name="serial_unique_scope")]

    def __str__(self) -> str:
        return f"{self.field}/{self.scope}={self.last}"


class Counter(models.Model):
    """The value of one counter field of one record, in integer minor units.

    ``floor``/``ceiling`` copy the field's bounds so that the database itself
    refuses a value outside them, whatever code path writes.
    """

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="+")
    record = models.ForeignKey(Record, on_delete=models.CASCADE, related_name="counters")
    field = models.CharField(max_length=64)
    value = models.BigIntegerField(default=0)
    floor = models.BigIntegerField(null=True, blank=True)
    ceiling = models.BigIntegerField(null=True, blank=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["record", "field"], name="counter_unique_field"),
            models.CheckConstraint(condition=Q(floor__isnull=True) | Q(value__gte=F("floor")), name="counter_floor"),
            models.CheckConstraint(
                condition=Q(ceiling__isnull=True) | Q(value__lte=F("ceiling")), name="counter_ceiling"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.record_id}.{self.field}={self.value}"


class CounterEntry(models.Model):
    """The ledger: one row per applied adjustment; the counter equals its starting value plus their sum."""

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    counter = models.ForeignKey(Counter, on_delete=models.CASCADE, related_name="entries")
    delta = models.BigIntegerField()
    value_after = models.BigIntegerField()
    key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001  NULL: no idempotency key
    reason = models.CharField(max_length=200, blank=True)
    actor = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["counter", "key"], condition=Q(key__isnull=False), name="counterentry_unique_key"
            )
        ]

    def __str__(self) -> str:
        return f"{self.counter_id} {self.delta:+d}"


class SavedView(models.Model):
    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    form = models.ForeignKey(Form, on_delete=models.CASCADE, related_name="views")
    name = models.CharField(_("name"), max_length=200)
    filters = models.JSONField(default=list, blank=True)
    sort = models.JSONField(default=list, blank=True)
    columns = models.JSONField(default=list, blank=True)
    created_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("view")
        verbose_name_plural = _("views")

    def __str__(self) -> str:
        return self.name


class Attachment(models.Model):
    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    file = models.FileField(upload_to="attachments/%Y/%m/")
    name = models.CharField(max_length=255)
    size = models.PositiveBigIntegerField()
    content_type = models.CharField(max_length=128, blank=True)
    sha256 = models.CharField(max_length=64)
    uploaded_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name
