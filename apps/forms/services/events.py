"""Outbox events that are not a record change (a run finished, say), written like record events."""

from __future__ import annotations

from typing import Any

from apps.core import outbox

from ..models import Event


def append_event(workspace_id: int, type: str, payload: dict[str, Any]) -> Event:  # noqa: A002
    """Write the event in the caller's transaction and have the relay carry it once that commits.

    The event exists exactly when the change it reports does; the relay's sweep
    delivers it even if the after-commit dispatch never runs.
    """
    event = Event.objects.create(workspace_id=workspace_id, type=type, form=None, record_id=None,
                                 payload=payload)
    outbox.events_written()
    return event
