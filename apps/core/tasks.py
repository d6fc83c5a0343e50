"""Celery tasks of the core app.

Tasks stay thin: each calls one service function, so the logic is tested
without a worker and the task only decides *when* it runs.
"""

from __future__ import annotations

from celery import shared_task

from . import idempotency, outbox

# The name is spelled out because django_celery_beat's PeriodicTask rows refer to
# it: moving the function must not silently orphan the hourly schedule.
PURGE_IDEMPOTENCY_KEYS = "apps.core.tasks.purge_idempotency_keys"
# Spelled out too: messages already queued under this name must still find the relay.
DISPATCH_EVENTS = "flows.dispatch_events"


@shared_task(name=PURGE_IDEMPOTENCY_KEYS, ignore_result=True)
def purge_idempotency_keys() -> int:
    """Delete ``Idempotency-Key`` records older than their TTL; return how many went."""
    return idempotency.purge_expired()


@shared_task(name=DISPATCH_EVENTS, ignore_result=True)
def dispatch_events() -> int:
    """Relay the outbox's pending events to its subscribers; safe to run twice (see ``outbox``)."""
    return outbox.relay()
