"""Asking a worker to relay the outbox: the one place the relay reaches its Celery task."""

from __future__ import annotations

import logging

log = logging.getLogger(__name__)


def dispatch_soon() -> bool:
    """Ask a worker to relay pending events; False if the broker refused. Never raises: the sweep relays them."""
    from .tasks import dispatch_events

    try:
        dispatch_events.apply_async(retry=False)
    except Exception:  # a broker outage must not fail the request that already committed
        log.warning("could not enqueue the outbox relay; the sweep will dispatch the events", exc_info=True)
        return False
    return True
