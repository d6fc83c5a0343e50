from django.db import models


class IdempotencyKey(models.Model):
    """A write request seen with an ``Idempotency-Key`` header, and the response it got.

    Kept for a day: a repeat gets the first response instead of writing twice.
    A key belongs to the caller that sent it (``principal``: the API token, or
    the member on a session), so nobody else's repeat can read its answer. An
    in-flight claim holds a short lease: if its process dies, a retry takes it
    over once ``leased_until`` has passed (``attempt`` tells the takeovers apart).
    """

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight"
        DONE = "done"

    workspace_id = models.BigIntegerField()
    principal = models.CharField(max_length=64, default="")
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_FLIGHT)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    attempt = models.PositiveIntegerField(default=1)
    leased_until = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace_id", "principal", "key"],
                                               name="idempotency_unique_principal_key")]

    def __str__(self) -> str:
        return self.key


class RelayMark(models.Model):
    """One row: whether an outbox relay task is queued and not yet started, shared by every process.

    Writers queue a relay only when they set ``pending`` themselves, so a burst
    of commits queues one task instead of one each; the task clears it as it
    starts. A mark older than a minute is taken for a lost message and ignored.
    """

    pending = models.BooleanField(default=False)
    marked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"relay pending={self.pending}"
