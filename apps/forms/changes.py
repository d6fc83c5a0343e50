"""What one record event means: the record before and after, what changed, which table lines.

Forms writes the event (``record.created``/``updated``/``deleted``,
``counter.adjusted``); ``Change`` is how every reader of it sees it: flow
triggers and waits, outbound webhooks, channel stock pushes. Its ``input()`` is
JSON data (a run stores it); its ``scope()`` is a typed copy (decimal texts as
Decimal) so that a condition such as ``record.total > 100`` compares numbers,
not text.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any

from .conversion import counter_json, typed_data
from .models import Event, Form, Record
from .selectors import counters_of
from .validation import ROW_ID, changed_keys

EVENT_NAMES = {"record.created": "created", "record.updated": "updated", "record.deleted": "deleted",
               "counter.adjusted": "counter"}


def typed(data: dict | None, form: Form) -> dict | None:
    """Stored data with decimal texts as Decimal (falls back to the raw data if a value is not a number)."""
    if data is None:
        return None
    try:
        return typed_data(data, form.definition.get("fields", []))
    except (InvalidOperation, TypeError, ValueError):
        return dict(data)


def record_snapshot(form: Form, record: Record) -> dict:
    """The record as a change shows it now: stored data, counters in display units, and its id."""
    counters = counters_of([record]).get(record.pk, {})
    fields = {f["key"]: f for f in form.definition.get("fields", [])}
    data = dict(record.data)
    for key, units in counters.items():
        data[key] = counter_json(units, fields.get(key, {}))
    return {**data, "id": record.pk}


def line_changes(form: Form, before: dict | None, after: dict | None) -> dict[str, dict[str, list]]:
    """Per table field, the lines added, removed and changed, matched by their ``_id``."""
    out: dict[str, dict[str, list]] = {}
    for spec in form.definition.get("fields", []):
        if spec.get("type") != "subtable":
            continue
        old = _rows((before or {}).get(spec["key"]))
        new = _rows((after or {}).get(spec["key"]))
        added = [row for row_id, row in new.items() if row_id not in old]
        removed = [row for row_id, row in old.items() if row_id not in new]
        changed = [{ROW_ID: row_id, "before": old[row_id], "after": row, "changed": changed_keys(old[row_id], row)}
                   for row_id, row in new.items() if row_id in old and old[row_id] != row]
        if added or removed or changed:
            out[spec["key"]] = {"added": added, "removed": removed, "changed": changed}
    return out


def _rows(value: Any) -> dict[str, dict]:
    if not isinstance(value, list):
        return {}
    return {str(row[ROW_ID]): row for row in value if isinstance(row, dict) and ROW_ID in row}


@dataclass
class Change:
    """One record event, ready to become a run's input or a condition's scope."""

    event: str
    event_id: int
    form: Form
    record_id: int | None
    record: dict | None
    previous: dict | None
    changed: list[str]
    line_changes: dict[str, dict[str, list]] = field(default_factory=dict)
    counter: dict | None = None
    version: int | None = None

    @classmethod
    def from_event(cls, event: Event, form: Form) -> Change | None:
        name = EVENT_NAMES.get(event.type)
        if name is None:
            return None
        payload = event.payload or {}
        if name == "counter":
            return cls._counter(event, form, payload)
        before, after = payload.get("before"), payload.get("after")
        lines = line_changes(form, before, after)
        tables = {f["key"] for f in form.definition.get("fields", []) if f.get("type") == "subtable"}
        # A table whose lines were only reordered did not change in any way a flow cares about.
        changed = [k for k in payload.get("changed") or changed_keys(before, after) if k not in tables or k in lines]
        current = after if after is not None else before
        record = {**current, "id": event.record_id} if current is not None else {"id": event.record_id}
        return cls(name, event.pk, form, event.record_id, record, before, changed, lines,
                   version=payload.get("version"))

    @classmethod
    def _counter(cls, event: Event, form: Form, payload: dict) -> Change:
        spec = next((f for f in form.definition.get("fields", []) if f.get("key") == payload.get("field")), {})
        counter = {"field": payload.get("field"), "key": payload.get("key"), "entry_id": payload.get("entry_id"),
                   "delta": counter_json(payload.get("delta"), spec),
                   "value": counter_json(payload.get("value"), spec)}
        row = Record.objects.filter(pk=event.record_id, form=form).first()
        record = record_snapshot(form, row) if row is not None else {"id": event.record_id}
        record[counter["field"]] = counter["value"]  # as of this event, even if it moved again since
        return cls("counter", event.pk, form, event.record_id, record, None, [counter["field"]], {}, counter,
                   version=row.version if row is not None else None)

    def meta(self) -> dict:
        return {"type": "record", "event": self.event, "event_id": self.event_id, "form": self.form.key}

    def input(self) -> dict:
        data = {"trigger": self.meta(), "record": self.record, "previous": self.previous,
                "changed": list(self.changed), "line_changes": self.line_changes}
        if self.counter is not None:
            data["counter"] = self.counter
        return data

    def scope(self) -> dict:
        """What a trigger or wait condition sees."""
        tables = {f["key"]: f for f in self.form.definition.get("fields", []) if f.get("type") == "subtable"}
        lines = {key: {kind: [_typed_line(kind, row, tables[key]) for row in rows] for kind, rows in value.items()}
                 for key, value in self.line_changes.items()}
        counter = None
        if self.counter is not None:
            counter = {**self.counter, "delta": _number(self.counter["delta"]), "value": _number(self.counter["value"])}
        return {"trigger": self.meta(), "record": typed(self.record, self.form),
                "previous": typed(self.previous, self.form), "changed": list(self.changed),
                "line_changes": lines, "counter": counter}


def _typed_line(kind: str, row: dict, table: dict) -> dict:
    if kind == "changed":
        return {**row, "before": _typed_row(row["before"], table), "after": _typed_row(row["after"], table)}
    return _typed_row(row, table)


def _typed_row(row: dict, table: dict) -> dict:
    try:
        return typed_data(row, table.get("fields", []))
    except (InvalidOperation, TypeError, ValueError):
        return row


def _number(value: Any) -> Any:
    if isinstance(value, str):
        try:
            return Decimal(value)
        except InvalidOperation:
            return value
    return value
