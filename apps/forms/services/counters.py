"""Guarded, idempotent counter adjustments: what keeps stock from ever being oversold.

The guard and the change are one UPDATE statement (``... WHERE value + delta >=
floor RETURNING value``), so two clients can never both take the last unit, on
SQLite and PostgreSQL alike. Each applied adjustment writes a ledger entry whose
idempotency key is unique per counter: the same key twice applies once.
"""

from __future__ import annotations

from contextlib import nullcontext
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Member, Workspace
from apps.core import outbox
from apps.core.errors import ValidationFailed

from ..conversion import from_units
from ..errors import GuardFailed, RecordNotFound
from ..models import Counter, CounterEntry, Event, Form, Record
from ..validation import active_fields


def scale(field: dict) -> int:
    return 10 ** int(field.get("decimal_places", 0))


def to_units(value: Any, field: dict, path: str) -> int:
    """Display value → integer minor units, refusing anything not exact."""
    try:
        exact = Decimal(str(value)) * scale(field)
    except (InvalidOperation, ValueError, TypeError):
        raise ValidationFailed({path: [_("must be a number")]}) from None
    if isinstance(value, bool) or not exact.is_finite() or exact != exact.to_integral_value():
        raise ValidationFailed({path: [_("must be a number with at most %(n)d decimal places")
                                       % {"n": int(field.get("decimal_places", 0))}]})
    return int(exact)


def bounds(field: dict) -> tuple[int | None, int | None]:
    floor = to_units(field["min"], field, "min") if field.get("min") is not None else None
    ceiling = to_units(field["max"], field, "max") if field.get("max") is not None else None
    return floor, ceiling


@dataclass
class Adjustment:
    """One requested change; ``floor``/``ceiling`` narrow the field's own bounds for this call."""

    record_id: int
    field: str
    delta: Any
    key: str | None = None
    floor: Any = None
    ceiling: Any = None
    reason: str = ""


@dataclass
class AdjustResult:
    record_id: int
    field: str
    applied: bool
    replayed: bool
    value: int | Decimal | None
    delta: int | Decimal
    entry_id: int | None


def counter_field(form: Form, key: str, path: str = "field") -> dict:
    for field in active_fields(form.definition["fields"]):
        if field["key"] == key:
            if field["type"] != "counter":
                raise ValidationFailed({path: [_("'%(key)s' is not a counter field") % {"key": key}]})
            return field
    raise ValidationFailed({path: [_("'%(key)s' is not a field of this form") % {"key": key}]})


_GUARDED_UPDATE = (
    "UPDATE forms_counter SET value = value + %s, updated_at = %s WHERE id = %s"
    " AND (%s IS NULL OR value + %s >= %s) AND (%s IS NULL OR value + %s <= %s) RETURNING value"
)


def _guarded_update(counter_id: int, delta: int, floor: int | None, ceiling: int | None) -> int | None:
    with connection.cursor() as cursor:
        cursor.execute(_GUARDED_UPDATE, [delta, timezone.now(), counter_id, floor, delta, floor,
                                         ceiling, delta, ceiling])
        row = cursor.fetchone()
    return None if row is None else row[0]


def _ensure_counter(form: Form, record_id: int, field: dict) -> Counter:
    counter = Counter.objects.filter(record_id=record_id, field=field["key"], form=form).first()
    if counter is not None:
        return counter
    if not Record.objects.filter(pk=record_id, form=form).exists():
        raise RecordNotFound()
    floor, ceiling = bounds(field)
    try:
        with transaction.atomic():
            return Counter.objects.create(workspace_id=form.workspace_id, form=form, record_id=record_id,
                                          field=field["key"], value=0, floor=floor, ceiling=ceiling)
    except IntegrityError:
        return Counter.objects.get(record_id=record_id, field=field["key"])


def _tighter(own: int | None, requested: int | None, pick) -> int | None:
    if requested is None:
        return own
    return requested if own is None else pick(own, requested)


def _apply(form: Form, adj: Adjustment, member: Member | None, path: str) -> AdjustResult:
    field = counter_field(form, adj.field, f"{path}field" if path else "field")
    delta = to_units(adj.delta, field, f"{path}delta")
    counter = _ensure_counter(form, int(adj.record_id), field)
    if adj.key:
        prior = CounterEntry.objects.filter(counter=counter, key=adj.key).first()
        if prior is not None:
            return _replayed(adj, prior, field)
    floor = _tighter(counter.floor, to_units(adj.floor, field, f"{path}floor") if adj.floor is not None else None, max)
    ceiling = _tighter(counter.ceiling,
                       to_units(adj.ceiling, field, f"{path}ceiling") if adj.ceiling is not None else None, min)
    write = _write_one_statement if connection.vendor == "postgresql" else _write_steps
    try:
        with transaction.atomic() if connection.in_atomic_block else nullcontext():
            written = write(form, counter, field, adj, delta, floor, ceiling, member)
    except IntegrityError:
        prior = CounterEntry.objects.get(counter=counter, key=adj.key)
        return _replayed(adj, prior, field)
    if written is None:
        current = Counter.objects.values_list("value", flat=True).get(pk=counter.pk)
        raise GuardFailed(
            errors={f"{path}{adj.field}" if path else adj.field: [_guard_message(delta, current, floor, ceiling,
                                                                                 field)]},
            extra={"value": _num(from_units(current, field))},
        )
    entry_id, value = written
    outbox.events_written()
    return AdjustResult(counter.record_id, field["key"], True, False, from_units(value, field),
                        from_units(delta, field), entry_id)


def _write_steps(form: Form, counter: Counter, field: dict, adj: Adjustment, delta: int, floor: int | None,
                 ceiling: int | None, member: Member | None) -> tuple[int, int] | None:
    """Guarded update, ledger entry and outbox event as three statements (SQLite serialises writers anyway)."""
    value = _guarded_update(counter.pk, delta, floor, ceiling)
    if value is None:
        return None
    entry = CounterEntry.objects.create(workspace_id=form.workspace_id, counter=counter, delta=delta,
                                        value_after=value, key=adj.key or None, reason=adj.reason[:200],
                                        actor=member)
    Event.objects.create(workspace_id=form.workspace_id, type="counter.adjusted", form=form,
                         record_id=counter.record_id, actor=member,
                         payload={"record_id": counter.record_id, "field": field["key"], "delta": delta,
                                  "value": value, "key": adj.key, "entry_id": entry.pk})
    return entry.pk, value


_ONE_STATEMENT = """
WITH u AS (
    UPDATE forms_counter SET value = value + %(delta)s, updated_at = %(now)s
    WHERE id = %(counter)s
      AND (%(floor)s::bigint IS NULL OR value + %(delta)s >= %(floor)s::bigint)
      AND (%(ceiling)s::bigint IS NULL OR value + %(delta)s <= %(ceiling)s::bigint)
    RETURNING id, record_id, value
), e AS (
    INSERT INTO forms_counterentry (workspace_id, counter_id, delta, value_after, key, reason, actor_id, created_at)
    SELECT %(workspace)s, u.id, %(delta)s, u.value, %(key)s, %(reason)s, %(actor)s, %(now)s FROM u
    RETURNING id, value_after
), ev AS (
    INSERT INTO forms_event (workspace_id, type, form_id, record_id, payload, actor_id, created_at)
    SELECT %(workspace)s, 'counter.adjusted', %(form)s, u.record_id,
           jsonb_build_object('record_id', u.record_id, 'field', %(field)s::text, 'delta', %(delta)s::bigint,
                              'value', u.value, 'key', %(key)s::text, 'entry_id', e.id),
           %(actor)s, %(now)s
    FROM u, e
)
SELECT id, value_after FROM e
"""


def _write_one_statement(form: Form, counter: Counter, field: dict, adj: Adjustment, delta: int,
                         floor: int | None, ceiling: int | None, member: Member | None) -> tuple[int, int] | None:
    """The same three writes as one statement: on a hot row, the lock is held for one round trip only.

    Outside a transaction the statement commits by itself, so no client round
    trip happens while other clients queue for the row.
    """
    params = {"delta": delta, "now": timezone.now(), "counter": counter.pk, "floor": floor, "ceiling": ceiling,
              "workspace": form.workspace_id, "key": adj.key or None, "reason": adj.reason[:200],
              "actor": member.pk if member else None, "form": form.pk, "field": field["key"]}
    with connection.cursor() as cursor:
        cursor.execute(_ONE_STATEMENT, params)
        row = cursor.fetchone()
    return None if row is None else (row[0], row[1])


def _replayed(adj: Adjustment, prior: CounterEntry, field: dict) -> AdjustResult:
    return AdjustResult(int(adj.record_id), field["key"], False, True, from_units(prior.value_after, field),
                        from_units(prior.delta, field), prior.pk)


def _num(value):
    return str(value) if isinstance(value, Decimal) else value


def _guard_message(delta: int, current: int, floor: int | None, ceiling: int | None, field: dict) -> str:
    args = {"current": from_units(current, field), "amount": from_units(abs(delta), field)}
    if floor is not None and current + delta < floor:
        return _("only %(current)s left: taking %(amount)s would go below %(floor)s") % {
            **args, "floor": from_units(floor, field)}
    return _("%(current)s now: adding %(amount)s would go above %(ceiling)s") % {
        **args, "ceiling": from_units(ceiling, field)}


def adjust(form: Form, adjustment: Adjustment, *, member: Member | None = None) -> AdjustResult:
    """Apply one adjustment, or raise GuardFailed and change nothing.

    On PostgreSQL outside a transaction the change commits as one statement;
    elsewhere it runs in a transaction (IMMEDIATE on SQLite, so writers queue).
    """
    if connection.vendor == "postgresql" and not connection.in_atomic_block:
        return _apply(form, adjustment, member, "")
    with transaction.atomic():
        return _apply(form, adjustment, member, "")


@transaction.atomic
def adjust_many(workspace: Workspace, items: list[tuple[Form, Adjustment]], *,
                member: Member | None = None) -> list[AdjustResult]:
    """All adjustments or none (an order's lines reserve together).

    Counters are touched in a fixed order (form, record, field) so that two
    orders sharing SKUs can never deadlock each other.
    """
    order = sorted(range(len(items)), key=lambda i: (items[i][0].pk, int(items[i][1].record_id), items[i][1].field))
    results: dict[int, AdjustResult] = {}
    for index in order:
        form, adj = items[index]
        if form.workspace_id != workspace.pk:
            raise RecordNotFound()
        results[index] = _apply(form, adj, member, f"[{index}].")
    return [results[i] for i in range(len(items))]


def counter_value(form: Form, record_id: int, key: str) -> int | Decimal | None:
    field = counter_field(form, key)
    units = Counter.objects.filter(form=form, record_id=record_id, field=key).values_list("value", flat=True).first()
    return from_units(units if units is not None else 0, field)
