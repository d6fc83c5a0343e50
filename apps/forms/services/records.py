"""Record use cases. Each write is one transaction that also writes its history and outbox event."""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import dataclass, replace
from dataclasses import field as dc_field
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Member
from apps.core import outbox
from apps.core.errors import ErrorCollector, ValidationFailed, WeftError

from .. import hooks
from ..errors import BulkFailed, DuplicateKey, NoUniqueKey, StaleVersion
from ..fields.base import FieldValueError, WriteContext, field_types
from ..models import Counter, Event, Form, Record, RecordHistory, UniqueValue
from ..selectors import counters_of, record_of
from ..validation import active_fields, changed_keys, validate_data

KEY_SEPARATOR = "\x1f"


@dataclass
class Prepared:
    data: dict
    counters: dict[str, int] = dc_field(default_factory=dict)
    unique_key: str | None = None
    unique_values: dict[str, str] = dc_field(default_factory=dict)


def unique_key_of(form: Form, data: dict) -> str | None:
    """The form's unique-key values joined, or None when any part is empty."""
    keys = form.definition.get("unique_key") or []
    if not keys:
        return None
    by_key = {f["key"]: f for f in active_fields(form.definition["fields"])}
    parts = []
    for key in keys:
        field = by_key[key]
        value = data.get(key)
        ftype = field_types.get(field["type"])
        if ftype.is_empty(value):
            return None
        parts.append(ftype.unique_value(value, field))
    joined = KEY_SEPARATOR.join(parts)
    if len(joined) > 500:
        joined = "sha256:" + hashlib.sha256(joined.encode()).hexdigest()
    return joined


def key_from_input(form: Form, data: Any, ctx: WriteContext) -> str | None:
    """The unique key an input would have, normalising only the key fields (no side effects)."""
    if not isinstance(data, dict):
        return None
    by_key = {f["key"]: f for f in active_fields(form.definition["fields"])}
    normalized = {}
    for key in form.definition.get("unique_key") or []:
        field = by_key[key]
        ftype = field_types.get(field["type"])
        if ftype.is_empty(data.get(key)):
            return None
        try:
            normalized[key] = ftype.normalize(data[key], {**field, "required": False}, ctx)
        except FieldValueError:
            return None
    return unique_key_of(form, normalized)


def prepare(form: Form, data: Any, ctx: WriteContext, *, existing: dict | None = None, partial: bool = False,
            errors: ErrorCollector | None = None, prefix: str = "") -> Prepared:
    """Validate and split input into stored data, counter initial values and keys."""
    fields = form.definition["fields"]
    result = validate_data(fields, data, ctx, existing=existing, partial=partial, errors=errors, prefix=prefix)
    prepared = Prepared(data=result)
    for field in active_fields(fields):
        ftype = field_types.get(field["type"])
        key = field["key"]
        if not ftype.stored_in_data:
            value = result.pop(key, None)
            if value is not None and ctx.creating:
                prepared.counters[key] = value
            elif value is not None and errors is not None and isinstance(data, dict) and key in data:
                errors.add(f"{prefix}.{key}" if prefix else key, _("is a counter: change it with an adjustment"))
        elif field.get("unique") and not ftype.is_empty(result.get(key)):
            prepared.unique_values[key] = ftype.unique_value(result[key], field)[:512]
    prepared.unique_key = unique_key_of(form, result)
    return prepared


def _context(form: Form, member: Member | None, *, creating: bool, record: Record | None = None) -> WriteContext:
    return WriteContext(workspace=form.workspace, form=form, member=member, record=record,
                        now=timezone.now(), creating=creating)


def _before_save(form: Form, prepared: Prepared, before: dict | None, member: Member | None,
                 ctx: WriteContext, rules: list | None = None) -> Prepared:
    """Let business rules (before-save flows) change or reject the data; changes are validated again."""
    rules = hooks.before_save_rules(form) if rules is None else rules
    if not rules:
        return prepared
    data = hooks.apply_rules(rules, form, dict(prepared.data), before=before, member=member,
                             creating=ctx.creating)
    if data == prepared.data:
        return prepared
    again = prepare(form, data, replace(ctx, creating=False), existing=prepared.data, partial=False)
    again.counters = prepared.counters
    return again


def _counter_rows(form: Form, record: Record, initial: dict[str, int]) -> list[Counter]:
    from .counters import bounds

    rows = []
    for field in active_fields(form.definition["fields"]):
        if field["type"] != "counter":
            continue
        floor, ceiling = bounds(field)
        rows.append(Counter(workspace_id=form.workspace_id, form=form, record=record, field=field["key"],
                            value=initial.get(field["key"], 0), floor=floor, ceiling=ceiling))
    return rows


def _unique_rows(form: Form, record: Record, values: dict[str, str]) -> list[UniqueValue]:
    return [UniqueValue(form=form, record=record, field=k, value=v) for k, v in values.items()]


def _unique_conflicts(form: Form, values: dict[str, str], exclude: int | None = None) -> dict[str, list]:
    errors: dict[str, list] = {}
    for key, value in values.items():
        taken = UniqueValue.objects.filter(form=form, field=key, value=value)
        if exclude:
            taken = taken.exclude(record_id=exclude)
        if taken.exists():
            errors[key] = [_("must be unique: another record already has this value")]
    return errors


def _snapshot(record: Record, counters: dict[str, int] | None = None) -> dict:
    return {**record.data, **(counters or {})}


def _log(record: Record, action: str, before: dict | None, after: dict | None, member: Member | None
         ) -> tuple[RecordHistory, Event]:
    changed = changed_keys(before, after)
    history = RecordHistory(workspace_id=record.workspace_id, form_id=record.form_id, record_id=record.pk,
                            action=action, version=record.version, before=before, after=after,
                            changed=changed, actor=member)
    event = Event(workspace_id=record.workspace_id, type=f"record.{action}", form_id=record.form_id,
                  record_id=record.pk, actor=member,
                  payload={"record_id": record.pk, "version": record.version, "before": before,
                           "after": after, "changed": changed})
    return history, event


def _write_logs(pairs: list[tuple[RecordHistory, Event]]) -> None:
    RecordHistory.objects.bulk_create([h for h, _ in pairs], batch_size=1000)
    Event.objects.bulk_create([e for _, e in pairs], batch_size=1000)
    outbox.events_written()


@transaction.atomic
def create_record(form: Form, data: Any, *, member: Member | None) -> Record:
    ctx = _context(form, member, creating=True)
    errors = ErrorCollector()
    prepared = prepare(form, data, ctx, errors=errors)
    errors.merge(_unique_conflicts(form, prepared.unique_values))
    errors.raise_if_any()
    prepared = _before_save(form, prepared, None, member, ctx)
    return _insert(form, prepared, member)


def _insert(form: Form, prepared: Prepared, member: Member | None) -> Record:
    record = Record(workspace_id=form.workspace_id, form=form, form_version=form.version, data=prepared.data,
                    unique_key=prepared.unique_key, created_by=member, updated_by=member)
    try:
        with transaction.atomic():
            record.save(force_insert=True)
            UniqueValue.objects.bulk_create(_unique_rows(form, record, prepared.unique_values))
    except IntegrityError:
        _raise_conflict(form, prepared)
        raise
    counters = _counter_rows(form, record, prepared.counters)
    Counter.objects.bulk_create(counters)
    _write_logs([_log(record, RecordHistory.Action.CREATED, None,
                      _snapshot(record, {c.field: c.value for c in counters}), member)])
    return record


def _raise_conflict(form: Form, prepared: Prepared, exclude: int | None = None) -> None:
    if prepared.unique_key is not None:
        other = Record.objects.filter(form=form, unique_key=prepared.unique_key).exclude(pk=exclude).first()
        if other is not None:
            raise DuplicateKey(extra={"record_id": other.pk})
    errors = _unique_conflicts(form, prepared.unique_values, exclude)
    if errors:
        raise ValidationFailed(errors)


@transaction.atomic
def update_record(record: Record, data: Any, *, member: Member | None, expected_version: int | None = None,
                  partial: bool = True) -> Record:
    """Apply ``data``; a stale ``expected_version`` is refused so no one's change is silently lost."""
    form = record.form
    record = record_of(form, record.pk, lock=True)
    if expected_version is not None and int(expected_version) != record.version:
        raise StaleVersion(extra={"current_version": record.version})
    return _apply_update(form, record, data, member, partial=partial)


def _apply_update(form: Form, record: Record, data: Any, member: Member | None, *, partial: bool) -> Record:
    ctx = _context(form, member, creating=False, record=record)
    errors = ErrorCollector()
    prepared = prepare(form, data, ctx, existing=record.data, partial=partial, errors=errors)
    errors.merge(_unique_conflicts(form, prepared.unique_values, exclude=record.pk))
    errors.raise_if_any()
    prepared = _before_save(form, prepared, record.data, member, ctx)
    if prepared.data == record.data:
        return record
    before = dict(record.data)
    record.data = prepared.data
    record.unique_key = prepared.unique_key
    record.version += 1
    record.form_version = form.version
    record.updated_by = member
    try:
        with transaction.atomic():
            record.save(update_fields=["data", "unique_key", "version", "form_version", "updated_by", "updated_at"])
            UniqueValue.objects.filter(record=record).delete()
            UniqueValue.objects.bulk_create(_unique_rows(form, record, prepared.unique_values))
    except IntegrityError:
        _raise_conflict(form, prepared, exclude=record.pk)
        raise
    _write_logs([_log(record, RecordHistory.Action.UPDATED, before, dict(record.data), member)])
    return record


@transaction.atomic
def delete_record(record: Record, *, member: Member | None, expected_version: int | None = None) -> None:
    record = record_of(record.form, record.pk, lock=True)
    if expected_version is not None and int(expected_version) != record.version:
        raise StaleVersion(extra={"current_version": record.version})
    counters = counters_of([record]).get(record.pk, {})
    before = _snapshot(record, counters)
    _write_logs([_log(record, RecordHistory.Action.DELETED, before, None, member)])
    record.delete()


class Kept(Exception):
    """``upsert_record`` left the stored record as it was, because ``keep`` said so."""

    def __init__(self, record: Record):
        super().__init__(record.pk)
        self.record = record


@transaction.atomic
def upsert_record(form: Form, data: Any, *, member: Member | None,
                  keep: Callable[[Record], bool] | None = None) -> tuple[Record, bool]:
    """Create the record with this unique key or update the one that has it; returns (record, created).

    ``keep(stored)`` is asked with the stored record locked; when it answers
    True nothing is written and ``Kept`` is raised: that is how an older
    update of an order, arriving late, is refused without a race.
    """
    if not form.definition.get("unique_key"):
        raise NoUniqueKey()
    ctx = _context(form, member, creating=True)
    unique_key = key_from_input(form, data, ctx)
    if unique_key is None:
        prepare(form, data, ctx)
        raise ValidationFailed({k: [_("is required to find the record by its unique key")]
                                for k in form.definition["unique_key"]})
    existing = Record.objects.select_for_update().filter(form=form, unique_key=unique_key).first()
    if existing is None:
        try:
            with transaction.atomic():
                return create_record(form, data, member=member), True
        except DuplicateKey:
            existing = Record.objects.select_for_update().get(form=form, unique_key=unique_key)
    if keep is not None and keep(existing):
        raise Kept(existing)
    return _apply_update(form, existing, data, member, partial=True), False


# --- bulk ------------------------------------------------------------------------------


_UPDATE_ROW = ("UPDATE forms_record SET data = %s, unique_key = %s, version = %s, form_version = %s,"
               " updated_by_id = %s, updated_at = %s WHERE id = %s")


def _update_rows(records: list[Record]) -> None:
    """One prepared UPDATE per row: Django's bulk_update builds a CASE per field that costs more than it saves."""
    data_field = Record._meta.get_field("data")
    when_field = Record._meta.get_field("updated_at")
    params = [(data_field.get_db_prep_save(r.data, connection), r.unique_key, r.version, r.form_version,
               r.updated_by_id, when_field.get_db_prep_save(r.updated_at, connection), r.pk) for r in records]
    with connection.cursor() as cursor:
        cursor.executemany(_UPDATE_ROW, params)


@dataclass
class BulkResult:
    records: list[Record]
    created: list[bool]


def _row_report(errors: dict[str, list]) -> list[dict]:
    """Per-row errors as ``[{"row": 2, "errors": {"qty": [...]}}]`` from ``[2].qty`` paths."""
    rows: dict[int, dict[str, list]] = {}
    for path, messages in errors.items():
        index_text, _sep, rest = path[1:].partition("]")
        rows.setdefault(int(index_text), {})[rest.lstrip(".") or "non_field_errors"] = [str(m) for m in messages]
    return [{"row": i, "errors": rows[i]} for i in sorted(rows)]


def _fail_bulk(errors: ErrorCollector) -> None:
    raise BulkFailed(errors.errors, extra={"rows": _row_report(errors.errors)})


@transaction.atomic
def bulk_write(form: Form, rows: list[Any], *, member: Member | None, upsert: bool = False) -> BulkResult:
    """Create (or upsert by unique key) many records: all of them or, on any error, none."""
    if upsert and not form.definition.get("unique_key"):
        raise NoUniqueKey()
    errors = ErrorCollector()
    ctx = _context(form, member, creating=True)
    keys = [key_from_input(form, row, ctx) for row in rows]
    seen: dict[str, int] = {}
    for index, key in enumerate(keys):
        if key is None:
            if upsert:
                errors.add(f"[{index}]", _("the unique key fields are required for an upsert"))
            continue
        if key in seen:
            errors.add(f"[{index}]", _("has the same unique key as row %(row)d") % {"row": seen[key]})
        seen.setdefault(key, index)
    existing = {}
    if any(keys):
        existing = {r.unique_key: r for r in Record.objects.select_for_update().filter(
            form=form, unique_key__in=[k for k in keys if k])}
    if existing and not upsert:
        for index, key in enumerate(keys):
            if key in existing:
                errors.add(f"[{index}]", _("a record with this unique key already exists (id %(id)d)")
                           % {"id": existing[key].pk})
    prepared: list[Prepared | None] = []
    for index, row in enumerate(rows):
        record = existing.get(keys[index]) if keys[index] else None
        if record is not None:
            row_ctx = _context(form, member, creating=False, record=record)
            prepared.append(prepare(form, row, row_ctx, existing=record.data, partial=True, errors=errors,
                                    prefix=f"[{index}]"))
        else:
            prepared.append(prepare(form, row, ctx, errors=errors, prefix=f"[{index}]"))
    if errors:
        _fail_bulk(errors)
    targets = [existing.get(k) if k else None for k in keys]
    rules = hooks.before_save_rules(form)
    for index, target in enumerate(targets if rules else ()):
        row_ctx = _context(form, member, creating=target is None, record=target)
        try:
            prepared[index] = _before_save(form, prepared[index], target.data if target else None, member,
                                           row_ctx, rules)
        except WeftError as exc:
            errors.merge(exc.errors, f"[{index}]")
    if errors:
        _fail_bulk(errors)
    return _bulk_apply(form, prepared, targets, member, errors)


def _bulk_apply(form: Form, prepared: list[Prepared], targets: list[Record | None], member: Member | None,
                errors: ErrorCollector) -> BulkResult:
    now = timezone.now()
    new = [Record(workspace_id=form.workspace_id, form=form, form_version=form.version, data=p.data,
                  unique_key=p.unique_key, created_by=member, updated_by=member, created_at=now, updated_at=now)
           for p, t in zip(prepared, targets, strict=True) if t is None]
    try:
        with transaction.atomic():
            Record.objects.bulk_create(new, batch_size=1000)
    except IntegrityError:
        errors.add("[0]", _("another request created records with the same unique keys at the same time; retry"))
        _fail_bulk(errors)
    logs: list[tuple[RecordHistory, Event]] = []
    counters: list[Counter] = []
    uniques: list[UniqueValue] = []
    changed: list[Record] = []
    records: list[Record] = []
    created_flags: list[bool] = []
    new_iter = iter(new)
    for p, target in zip(prepared, targets, strict=True):
        if target is None:
            record = next(new_iter)
            rows = _counter_rows(form, record, p.counters)
            counters.extend(rows)
            uniques.extend(_unique_rows(form, record, p.unique_values))
            logs.append(_log(record, RecordHistory.Action.CREATED, None,
                             _snapshot(record, {c.field: c.value for c in rows}), member))
            records.append(record)
            created_flags.append(True)
            continue
        records.append(target)
        created_flags.append(False)
        if p.data == target.data:
            continue
        before = target.data
        target.data, target.unique_key, target.updated_by, target.updated_at = p.data, p.unique_key, member, now
        target.version += 1
        target.form_version = form.version
        changed.append(target)
        uniques.extend(_unique_rows(form, target, p.unique_values))
        logs.append(_log(target, RecordHistory.Action.UPDATED, before, dict(target.data), member))
    if changed:
        _update_rows(changed)
        UniqueValue.objects.filter(record__in=changed).delete()
    try:
        with transaction.atomic():
            UniqueValue.objects.bulk_create(uniques, batch_size=1000)
    except IntegrityError:
        for index, p in enumerate(prepared):
            exclude = targets[index].pk if targets[index] else None
            errors.merge(_unique_conflicts(form, p.unique_values, exclude), f"[{index}]")
        if not errors:
            errors.add("[0]", _("two rows of this request share a value that must be unique"))
        _fail_bulk(errors)
    Counter.objects.bulk_create(counters, batch_size=1000)
    _write_logs(logs)
    return BulkResult(records=records, created=created_flags)
