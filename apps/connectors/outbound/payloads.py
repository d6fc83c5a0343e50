"""What a subscriber receives: ``{"type", "timestamp", "data"}``, plain JSON, built once per event.

Record events describe the record the way a flow sees it (``Change``): its
id, its form's key, its data and version, the data before the change and
the fields that changed; a counter event adds the adjustment. Run events
carry what the engine wrote on the event.
"""

from __future__ import annotations

from datetime import datetime

from apps.forms.changes import Change
from apps.forms.models import Event, Form

from .events import PING, RECORD_EVENTS


def envelope(event_type: str, at: datetime, data: dict) -> dict:
    return {"type": event_type, "timestamp": at.isoformat(), "data": data}


def event_payload(event: Event, form: Form | None) -> dict:
    if event.type in RECORD_EVENTS and form is not None:
        change = Change.from_event(event, form)
        if change is not None:
            return envelope(event.type, event.created_at, record_data(change))
    return envelope(event.type, event.created_at, dict(event.payload or {}))


def record_data(change: Change) -> dict:
    data = dict(change.record or {})
    record_id = data.pop("id", change.record_id)
    out = {"form": change.form.key,
           "record": {"id": record_id, "form": change.form.key, "data": data, "version": change.version},
           "previous": change.previous, "changed": list(change.changed)}
    if change.counter is not None:
        out["counter"] = change.counter
    return out


def ping_payload(subscription_key: str, at: datetime) -> dict:
    return envelope(PING, at, {"subscription": subscription_key})
