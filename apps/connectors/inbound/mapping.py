"""From a stored delivery to a form's data: the channel adapter (if any), then the endpoint's mapping.

The mapping is ``{field key: value}`` where a value is a literal or an
expression over ``body`` (the parsed JSON), ``headers``, ``order`` (the
adapter's canonical order) and ``delivery`` (its id and received time).
Without a mapping the canonical order (or the body) is taken as is, keeping
only keys that are fields of the form.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.dateparse import parse_datetime

from apps.expressions import DefinitionChecks, ExpressionError, evaluate_value, make_context
from apps.forms.models import Form, Record
from apps.forms.selectors import active_fields


def scope(body: Any, headers: dict, order: dict | None, delivery: dict) -> dict[str, Any]:
    return make_context(body=body, headers=headers, order=order, delivery=delivery)


def map_data(mapping: dict, form: Form, context: dict[str, Any], fallback: Any) -> dict[str, Any]:
    """The record data for ``form``; an expression error says which mapping entry failed."""
    if not mapping:
        keys = {f["key"] for f in active_fields(form.definition["fields"])}
        return {k: v for k, v in fallback.items() if k in keys} if isinstance(fallback, dict) else {}
    data = {}
    for key, source in mapping.items():
        try:
            data[key] = evaluate_value(source, context) if isinstance(source, str) else source
        except ExpressionError as exc:
            raise exc.at(f"mapping.{key}") from None
    return data


def mapping_problems(mapping: dict) -> dict[str, str]:
    """The problem of each mapping entry whose expression cannot be used, by field key.

    All entries are checked as one definition: within its bounds on size and time.
    """
    checks, problems = DefinitionChecks(), {}
    for key, source in mapping.items():
        if isinstance(source, str) and (problem := checks.check(source, mode="value")):
            problems[key] = problem
    return problems


def comparable(value: Any) -> Any:
    """Times compare as instants, numbers as numbers, anything else as text."""
    if value is None or value == "":
        return None
    if isinstance(value, bool):
        return Decimal(int(value))
    if isinstance(value, int | float | Decimal):
        return Decimal(str(value))
    text = str(value)
    if len(text) >= 10 and text[4:5] == "-":
        moment = parse_datetime(text.replace("Z", "+00:00"))
        if moment is not None:
            return moment if moment.tzinfo else moment.replace(tzinfo=UTC)
    try:
        return Decimal(text)
    except InvalidOperation:
        return text


def stored_is_newer(guard: list[str], incoming: dict) -> Callable[[Record], bool]:
    """Whether the stored record is newer than ``incoming`` by the guard fields, compared in order.

    An equal position applies the update (a re-delivery changes nothing); a
    missing value on either side does not block it.
    """
    def keep(record: Record) -> bool:
        for key in guard:
            stored, new = comparable(record.data.get(key)), comparable(incoming.get(key))
            if stored is None or new is None:
                return False
            if type(stored) is not type(new) and not isinstance(stored, datetime):
                stored, new = str(stored), str(new)
            try:
                if stored > new:
                    return True
                if stored < new:
                    return False
            except TypeError:
                return False
        return False

    return keep
