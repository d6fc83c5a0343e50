from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

WS = "accounts.Workspace"
MEMBER = "accounts.Member"


class Flow(models.Model):
    """A trigger plus a tree of steps; ``definition`` is the current version's JSON."""

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="flows")
    app = models.ForeignKey("forms.App", null=True, blank=True, on_delete=models.SET_NULL, related_name="flows")
    key = models.SlugField(_("key"), max_length=64)
    name = models.CharField(_("name"), max_length=200)
    definition = models.JSONField(_("definition"))
    version = models.PositiveIntegerField(default=1)
    trigger_type = models.CharField(max_length=32, db_index=True)
    trigger_form = models.ForeignKey("forms.Form", null=True, blank=True, on_delete=models.SET_NULL,
                                     related_name="+")
    enabled = models.BooleanField(_("enabled"), default=True)
    paused_at = models.DateTimeField(_("paused at"), null=True, blank=True)
    paused_reason = models.CharField(max_length=300, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    webhook_token = models.CharField(max_length=64, blank=True, db_index=True)
    owner = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("flow")
        verbose_name_plural = _("flows")
        constraints = [models.UniqueConstraint(fields=["workspace", "key"], name="flow_unique_key")]

    def __str__(self) -> str:
        return self.name

    @property
    def active(self) -> bool:
        return self.enabled and self.paused_at is None


class FlowVersion(models.Model):
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="versions")
    version = models.PositiveIntegerField()
    definition = models.JSONField()
    created_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["flow", "version"], name="flowversion_unique")]

    def __str__(self) -> str:
        return f"{self.flow_id} v{self.version}"


class RunStatus(models.TextChoices):
    QUEUED = "queued", _("queued")
    RUNNING = "running", _("running")
    WAITING = "waiting", _("waiting")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    CANCELLED = "cancelled", _("cancelled")


ACTIVE_STATUSES = (RunStatus.QUEUED, RunStatus.RUNNING, RunStatus.WAITING)
FINAL_STATUSES = (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)


class Run(models.Model):
    """One execution of one flow version; the database, not the broker, is its source of truth.

    A worker holds ``lease_expires_at`` while executing; a run whose lease
    expired is picked up again by the sweeper and resumes after its last
    completed step.
    """

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    flow = models.ForeignKey(Flow, on_delete=models.CASCADE, related_name="runs")
    flow_version = models.PositiveIntegerField()
    status = models.CharField(max_length=16, choices=RunStatus.choices, default=RunStatus.QUEUED, db_index=True)
    trigger = models.JSONField(default=dict)
    dedupe_key = models.CharField(max_length=200, null=True, blank=True)  # noqa: DJ001  NULL: not deduplicated
    input = models.JSONField(default=dict)
    variables = models.JSONField(default=dict)
    output = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    parent = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="children")
    parent_step = models.CharField(max_length=300, blank=True)
    started_by = models.ForeignKey(MEMBER, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    lease_owner = models.CharField(max_length=100, blank=True)
    lease_expires_at = models.DateTimeField(null=True, blank=True)
    enqueued_at = models.DateTimeField(null=True, blank=True)
    wake_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["flow", "dedupe_key"], condition=Q(dedupe_key__isnull=False),
                                    name="run_unique_dedupe"),
        ]
        indexes = [
            models.Index(fields=["flow", "status", "id"]),
            models.Index(fields=["status", "lease_expires_at"]),
            models.Index(fields=["status", "wake_at"]),
        ]

    def __str__(self) -> str:
        return f"run {self.pk} of {self.flow_id} ({self.status})"


class StepStatus(models.TextChoices):
    RUNNING = "running", _("running")
    WAITING = "waiting", _("waiting")
    SUCCEEDED = "succeeded", _("succeeded")
    FAILED = "failed", _("failed")
    SKIPPED = "skipped", _("skipped")


class StepRun(models.Model):
    """One execution of one step at one place in the tree (``path``: ``reserve[2].adjust``).

    A completed step's output is written before the next step starts, so a
    resumed run reads it instead of doing the step again.
    """

    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="steps")
    path = models.CharField(max_length=300)
    step_id = models.CharField(max_length=64)
    step_type = models.CharField(max_length=32)
    status = models.CharField(max_length=16, choices=StepStatus.choices)
    input = models.JSONField(null=True, blank=True)
    output = models.JSONField(null=True, blank=True)
    error = models.JSONField(null=True, blank=True)
    attempts = models.PositiveIntegerField(default=0)
    retry_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "path"], name="steprun_unique_path")]
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.path} ({self.status})"


class Wait(models.Model):
    """A run parked on a timer or an event; beat wakes timers, events resolve the rest."""

    class Kind(models.TextChoices):
        DELAY = "delay"
        EVENT = "event"
        APPROVAL = "approval"
        CHILD = "child"
        RETRY = "retry"

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    run = models.ForeignKey(Run, on_delete=models.CASCADE, related_name="waits")
    path = models.CharField(max_length=300)
    kind = models.CharField(max_length=16, choices=Kind.choices)
    wake_at = models.DateTimeField(null=True, blank=True, db_index=True)
    match = models.JSONField(default=dict, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    result = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["run", "path"], name="wait_unique_path")]
        indexes = [models.Index(fields=["kind", "resolved_at"])]

    def __str__(self) -> str:
        return f"{self.kind} {self.path}"


class Notification(models.Model):
    """An in-app message to a member, written by a ``notify`` step."""

    workspace = models.ForeignKey(WS, on_delete=models.CASCADE, related_name="+")
    member = models.ForeignKey(MEMBER, on_delete=models.CASCADE, related_name="notifications")
    title = models.CharField(max_length=300)
    body = models.TextField(blank=True)
    link = models.CharField(max_length=500, blank=True)
    run = models.ForeignKey(Run, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    read_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["-id"]

    def __str__(self) -> str:
        return self.title
