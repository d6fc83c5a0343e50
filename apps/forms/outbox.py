"""The forms outbox (``Event``) as the source of the core's relay (registered from FormsConfig.ready)."""

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.utils import timezone

from .models import Event


class EventTable:
    """Pending events oldest first; two relays take disjoint batches where rows can be skipped when locked."""

    def pending(self, cutoff: datetime, size: int) -> list[Event]:
        pending = Event.objects.filter(dispatched_at__isnull=True, created_at__lte=cutoff).order_by("id")
        if connection.features.has_select_for_update_skip_locked:
            pending = pending.select_for_update(skip_locked=True)
        return list(pending[:size])

    def mark_dispatched(self, events: list[Event]) -> None:
        Event.objects.filter(pk__in=[e.pk for e in events]).update(dispatched_at=timezone.now())
