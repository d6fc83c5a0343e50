from django.db import models


class IdempotencyKey(models.Model):
    """A write request seen with an ``Idempotency-Key`` header, and the response it got.

    Kept for a day: a repeat gets the first response instead of writing twice.
    """

    class State(models.TextChoices):
        IN_FLIGHT = "in_flight"
        DONE = "done"

    workspace_id = models.BigIntegerField()
    key = models.CharField(max_length=255)
    method = models.CharField(max_length=8)
    path = models.CharField(max_length=500)
    fingerprint = models.CharField(max_length=64)
    state = models.CharField(max_length=16, choices=State.choices, default=State.IN_FLIGHT)
    status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    response = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["workspace_id", "key"], name="idempotency_unique_key")]

    def __str__(self) -> str:
        return self.key
