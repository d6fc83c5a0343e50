"""Celery tasks of the core app.

Tasks stay thin: each calls one service function, so the logic is tested
without a worker and the task only decides *when* it runs.
"""

from __future__ import annotations

from celery import shared_task

from . import idempotency

# The name is spelled out because django_celery_beat's PeriodicTask rows refer to
# it: moving the function must not silently orphan the hourly schedule.
PURGE_IDEMPOTENCY_KEYS = "apps.core.tasks.purge_idempotency_keys"


@shared_task(name=PURGE_IDEMPOTENCY_KEYS, ignore_result=True)
def purge_idempotency_keys() -> int:
    """Delete ``Idempotency-Key`` records older than their TTL; return how many went."""
    return idempotency.purge_expired()
