"""The outbox relay: events one app writes, handed to every app that subscribes, in order and never lost.

The app that owns the events table registers it as the relay's source
(``set_source``): it hands out pending events oldest first, locked, and marks
a batch dispatched. Apps that act on events subscribe a handler by name
(``subscribe``) from their ``AppConfig.ready``, explicitly, as equals: the core
knows none of them.

Every handler sees every batch inside the transaction that marks it
dispatched, so what a handler writes commits with the batch or is written
again when the batch is dispatched again: an event is handed over once, or
again after a rollback, never lost between the two (handlers are idempotent
for that second time). Two relays at once take disjoint batches where the
database can skip locked rows; SQLite serializes them.

A database error rolls the whole batch back, and it is dispatched again
later. Any other error undoes only that handler's writes (each runs in a
savepoint) and is logged, so one subscriber's bug holds up neither the outbox
nor the other subscribers.

After a transaction that wrote events commits, ``events_written`` asks a
worker to relay them, and only if no relay is queued already: a shared mark in
the database (``RelayMark``) is set by whoever queues the task and cleared by
the task as it starts, before it reads events, so a burst of commits queues one
task, and events written while it runs queue the next. A mark older than
``MARK_STALE_SECONDS`` is taken for a lost message and ignored; a periodic sweep
(``dispatch_pending(older_than_seconds=...)``) relays whatever a lost message
or a crashed process left behind.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Any, Protocol

from django.db import DatabaseError, IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone

from . import kick
from .models import RelayMark
from .transactions import on_commit_once

log = logging.getLogger(__name__)

BATCH_SIZE = 200
MARK_STALE_SECONDS = 60
MARK_PK = 1

Handler = Callable[[list[Any]], object]


class Source(Protocol):
    """Where pending events come from; ``pending`` is called inside the batch's transaction."""

    def pending(self, cutoff: datetime, size: int) -> list[Any]:
        """Up to ``size`` undispatched events created no later than ``cutoff``, oldest first, locked."""
        ...

    def mark_dispatched(self, events: list[Any]) -> None:
        ...


_source: Source | None = None
_subscribers: dict[str, Handler] = {}


def set_source(source: Source) -> None:
    global _source
    _source = source


def subscribe(name: str, handler: Handler) -> None:
    """Hand every batch of events to ``handler``; the name shows in logs and must be unique."""
    existing = _subscribers.get(name)
    if existing is not None and existing is not handler:
        raise ValueError(f"an outbox subscriber named {name!r} is already registered")
    _subscribers[name] = handler


def subscribers() -> list[str]:
    return list(_subscribers)


def events_written() -> None:
    """Called by whoever writes events: relay them after the transaction commits, unless a relay is queued."""
    on_commit_once(request_relay)


def request_relay() -> bool:
    """Queue a relay task if none is queued (or the queued one looks lost); True if this call queued it."""
    now = timezone.now()
    stale = now - timedelta(seconds=MARK_STALE_SECONDS)
    marked = RelayMark.objects.filter(pk=MARK_PK).filter(
        Q(pending=False) | Q(marked_at__isnull=True) | Q(marked_at__lt=stale)).update(pending=True, marked_at=now)
    if not marked:
        if RelayMark.objects.filter(pk=MARK_PK).exists():
            return False  # a relay is queued and has not started: it will see these events
        try:
            with transaction.atomic():
                RelayMark.objects.create(pk=MARK_PK, pending=True, marked_at=now)
        except IntegrityError:
            return False  # another process created the mark first and queued the relay
    if kick.dispatch_soon():
        return True
    clear_relay_mark()  # nothing was queued: the next write tries again
    return False


def clear_relay_mark() -> None:
    RelayMark.objects.filter(pk=MARK_PK).update(pending=False)


def relay() -> int:
    """The relay task's body: clear the mark first, so that events committed from now on queue the next task."""
    clear_relay_mark()
    return dispatch_pending()


def dispatch_pending(older_than_seconds: float = 0, limit: int = 1000) -> int:
    """Relay up to ``limit`` undispatched events created at least ``older_than_seconds`` ago, oldest first."""
    if _source is None:
        return 0
    cutoff = timezone.now() - timedelta(seconds=older_than_seconds)
    done = 0
    while done < limit:
        size = min(BATCH_SIZE, limit - done)
        count = _dispatch_batch(_source, cutoff, size)
        done += count
        if count < size:  # none left, or the rest are locked by another relay that dispatches them
            break
    return done


@transaction.atomic
def _dispatch_batch(source: Source, cutoff: datetime, size: int) -> int:
    events = source.pending(cutoff, size)
    if not events:
        return 0
    for name, handler in list(_subscribers.items()):
        try:
            with transaction.atomic():
                handler(events)
        except DatabaseError:
            raise  # the batch rolls back and is dispatched again later
        except Exception:
            log.exception("outbox subscriber %s failed on a batch of %d events; skipped", name, len(events))
    source.mark_dispatched(events)
    return len(events)
