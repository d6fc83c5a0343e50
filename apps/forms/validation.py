"""Validating record data against a form definition, field by field.

Every problem is collected with its path (``lines[2].qty``) so the submitter sees
all of them at once; nothing is written unless the whole payload is valid.

Whatever wrote the data (the API, a CSV import, a flow, a webhook's mapping),
text no database can store (NUL, a lone surrogate) is refused here, in the
input and in what normalising and formulas made of it, at the field it is in.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.core.errors import ErrorCollector, join_path
from apps.core.strict_json import unstorable

from .fields.base import FieldValueError, WriteContext, field_types

META_KEYS = frozenset({"id", "version", "form_version", "created_at", "updated_at", "created_by", "updated_by"})
ROW_ID = "_id"


def active_fields(fields: list[dict]) -> list[dict]:
    return [f for f in fields if not f.get("removed")]


def validate_data(
    fields: list[dict],
    data: Any,
    ctx: WriteContext,
    *,
    existing: dict | None = None,
    partial: bool = False,
    prefix: str = "",
    errors: ErrorCollector | None = None,
) -> dict:
    """Return the normalised data (stored JSON) or add errors to ``errors``.

    ``existing`` is the stored data when updating; with ``partial`` the input
    only names the fields it changes. Values of removed fields are carried over
    untouched so their data is kept.
    """
    own = errors is None
    errors = errors if errors is not None else ErrorCollector()
    if not isinstance(data, dict):
        errors.add(prefix, _("must be an object with field values"))
        if own:
            errors.raise_if_any()
        return {}
    if _refused(data, prefix, errors):
        if own:
            errors.raise_if_any()
        return {}
    existing = existing or {}
    by_key = {f["key"]: f for f in active_fields(fields)}
    for key in data:
        if key in by_key or key in META_KEYS or key == ROW_ID:
            continue
        errors.add(join_path(prefix, key), _("is not a field of this form"))

    result: dict[str, Any] = {k: v for k, v in existing.items() if k not in by_key}
    for key, field in by_key.items():
        ftype = field_types.get(field["type"])
        path = join_path(prefix, key)
        if ftype.computed:
            if key in existing:
                result[key] = existing[key]
            continue
        if key in data:
            value = data[key]
        elif partial:
            value = existing.get(key)
        elif ctx.creating and "default" in field:
            value = field["default"]
        else:
            value = None
        if ftype.is_empty(value):
            if field.get("required"):
                errors.add(path, _("is required"))
            continue
        try:
            result[key] = ftype.normalize(value, field, ctx)
        except FieldValueError as exc:
            for sub, messages in exc.errors.items():
                for message in messages:
                    errors.add(join_path(path, sub), message)
            continue
        if result[key] is None or ftype.is_empty(result[key]):
            result.pop(key, None)
            if field.get("required"):
                errors.add(path, _("is required"))

    if not errors:
        _compute(by_key, result, ctx, prefix, errors)
    if not errors:
        _refused({key: result[key] for key in by_key if key in result}, prefix, errors)
    if own:
        errors.raise_if_any()
    return result


def _refused(data: dict, prefix: str, errors: ErrorCollector) -> bool:
    """Add an error at the first text (value or key, at any depth) that cannot be stored; whether there was one."""
    found = unstorable(data)
    if found is None:
        return False
    path, reason = found
    errors.add(join_path(prefix, path), reason)
    return True


def _compute(by_key: dict[str, dict], result: dict, ctx: WriteContext, prefix: str, errors: ErrorCollector) -> None:
    """Computed fields run in definition order, so a formula may use an earlier one."""
    for key, field in by_key.items():
        ftype = field_types.get(field["type"])
        if not ftype.computed:
            continue
        try:
            value = ftype.compute(result, field, ctx)
        except FieldValueError as exc:
            for sub, messages in exc.errors.items():
                for message in messages:
                    errors.add(join_path(join_path(prefix, key), sub), message)
            continue
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value


def changed_keys(before: dict | None, after: dict | None) -> list[str]:
    before, after = before or {}, after or {}
    return sorted(k for k in set(before) | set(after) if before.get(k) != after.get(k))
