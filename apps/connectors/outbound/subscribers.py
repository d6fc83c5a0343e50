"""Which run event types a workspace's enabled subscriptions want, cached per process.

Every finished run asks this, so the answer is kept for ``TTL`` seconds:
with nobody subscribed, a run costs one dictionary lookup. Changes made in
this process forget the workspace's entry at once (and again after commit);
other processes see them within ``TTL`` seconds.
"""

from __future__ import annotations

import time
from functools import partial

from django.db import transaction

from ..models import Subscription
from .events import RUN_EVENTS

TTL = 5.0

_cache: dict[int, tuple[float, frozenset[str]]] = {}


def run_types(workspace_id: int) -> frozenset[str]:
    hit = _cache.get(workspace_id)
    now = time.monotonic()
    if hit is not None and hit[0] > now:
        return hit[1]
    wanted: set[str] = set()
    for events in Subscription.objects.filter(workspace_id=workspace_id, enabled=True).values_list("events",
                                                                                                   flat=True):
        wanted.update(t for t in events or [] if t in RUN_EVENTS)
    types = frozenset(wanted)
    _cache[workspace_id] = (now + TTL, types)
    return types


def forget(workspace_id: int) -> None:
    _cache.pop(workspace_id, None)
    transaction.on_commit(partial(_cache.pop, workspace_id, None))


def clear() -> None:
    _cache.clear()
