"""Helpers for list-valued and id-valued types (multi_select, user, relation, attachment).

Not a field type itself. ``HasElement`` exists because Django's JSON ``contains``
lookup is PostgreSQL-only, and "has this tag / this assignee" must work on SQLite too.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from django.db import NotSupportedError
from django.db.models import BooleanField, F, Func, Q
from django.utils.translation import gettext_lazy as _

from apps.core.errors import ValidationFailed

from .base import FieldType, FieldValueError

MAX_ID = 2**63 - 1
SEPARATOR = ";"


class HasElement(Func):
    """True where the JSON array at ``lookup`` (e.g. ``data__tags``) has ``item`` as an element.

    A scalar equal to ``item`` counts too, so values stored before a field became
    ``multiple`` are still found.
    """

    output_field = BooleanField()

    def __init__(self, lookup: str, item: Any):
        column, *keys = lookup.replace(".", "__").split("__")
        super().__init__(F(column))
        self.keys, self.item = keys, item

    def as_sql(self, compiler, connection, **extra_context):
        raise NotSupportedError("list membership is implemented for SQLite and PostgreSQL only")

    def as_postgresql(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        value = f"({column} #> %s::text[])"
        sql = f"COALESCE({value} @> %s::jsonb OR {value} = %s::jsonb, false)"
        item = json.dumps(self.item)
        return sql, (*params, self.keys, f"[{item}]", *params, self.keys, item)

    def as_sqlite(self, compiler, connection, **extra_context):
        column, params = compiler.compile(self.source_expressions[0])
        path = "$" + "".join(f".{json.dumps(key)}" for key in self.keys)
        sql = f"EXISTS (SELECT 1 FROM json_each({column}, %s) WHERE json_each.value = %s)"
        return sql, (*params, path, self.item)


def located_error(errors: dict[str, list[Any]]) -> FieldValueError:
    """One error about the whole value keeps its message as the exception's text (for logs)."""
    if list(errors) == [""] and len(errors[""]) == 1:
        return FieldValueError(errors[""][0])
    return FieldValueError(errors=errors)


def parse_id(value: Any) -> int:
    """An id from a number, digit text or an object with an ``id`` (what ``to_api`` gives back)."""
    raw = value.get("id") if isinstance(value, dict) else value
    if isinstance(raw, str) and raw.strip().isdigit():
        raw = int(raw.strip())
    if isinstance(raw, bool) or not isinstance(raw, int) or not 0 < raw <= MAX_ID:
        raise FieldValueError(_("'%(value)s' is not an id") % {"value": raw})
    return raw


def parse_ids(value: Any, multiple: bool) -> list[int]:
    """Distinct ids in the order given; text 'a;b' (CSV) is split; a single-valued field takes one."""
    if isinstance(value, str):
        items: list[Any] = [p for p in (part.strip() for part in value.split(SEPARATOR)) if p]
    elif isinstance(value, list | tuple):
        items = list(value)
    else:
        items = [value]
    if not multiple and len(items) > 1:
        raise FieldValueError(_("only one may be chosen"))
    errors: dict[str, list[Any]] = {}
    ids: list[int] = []
    for index, item in enumerate(items):
        try:
            number = parse_id(item)
        except FieldValueError as exc:
            errors[f"[{index}]" if multiple else ""] = exc.errors[""]
            continue
        if number not in ids:
            ids.append(number)
    if errors:
        raise located_error(errors)
    return ids


def literal_id(value: Any) -> int | None:
    """An id written as a number or digit text; None for anything else (a name, an expression)."""
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if isinstance(value, bool) or not isinstance(value, int) or not 0 < value <= MAX_ID:
        return None
    return value


def map_default(field: dict, convert: Callable[[Any], Any], message: Any) -> dict:
    """``field`` with each item of its default converted; ``ValidationFailed`` names every item that is not.

    ``convert`` answers None for an item it cannot convert; ``message`` is
    formatted with that item as ``value``.
    """
    value = field.get("default")
    if value in (None, "", []):
        return field
    items = value if isinstance(value, list) else [value]
    converted = [convert(item) for item in items]
    errors = {
        (f"default[{index}]" if isinstance(value, list) else "default"): [message % {"value": item}]
        for index, (item, result) in enumerate(zip(items, converted, strict=True))
        if result is None
    }
    if errors:
        raise ValidationFailed(errors)
    return {**field, "default": converted if isinstance(value, list) else converted[0]}


class IdValued(FieldType):
    """Shared behaviour of fields holding one id, or a list of ids when ``multiple``."""

    filter_ops = ("eq", "ne", "in", "not_in", "contains", "empty", "not_empty")
    sample: Any = [3, 5]
    sample_field: dict[str, Any] = {"multiple": True}

    def multiple(self, field: dict) -> bool:
        return bool(field.get("multiple"))

    def stored(self, ids: list[int], field: dict) -> Any:
        if self.multiple(field):
            return ids
        return ids[0] if ids else None

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        if isinstance(value, list):
            return parse_ids(value, True)
        return parse_id(value)

    def filter_q(self, path: str, field: dict, op: str, value: Any) -> Q:
        """With ``multiple``, 'contains' (and 'in': any of) test list membership; 'eq' compares the whole list."""
        if op == "contains":
            return (
                Q(HasElement(path, value))
                if self.multiple(field)
                else super().filter_q(path, field, "eq", value)
            )
        if op in ("in", "not_in") and self.multiple(field):
            anyof = Q()
            for item in value:
                anyof |= Q(HasElement(path, item))
            return anyof if op == "in" else ~anyof
        return super().filter_q(path, field, op, value)

    def to_csv(self, value: Any, field: dict) -> str:
        if self.is_empty(value):
            return ""
        return SEPARATOR.join(str(v) for v in value) if isinstance(value, list) else str(value)

    def unique_value(self, value: Any, field: dict) -> str:
        return ",".join(str(v) for v in sorted(value)) if isinstance(value, list) else str(value)
