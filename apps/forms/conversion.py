"""Record data as JSON: the one conversion every door that shows a record uses.

The records API, the flow engine (record steps, triggers, run journals and
step outputs) and the exports all write values through ``json_value``, so the
same record reads the same everywhere.

The Decimal rule (``decimal_text``, the expression language's own, so that a
value reads the same in a template and in a record): fixed-point text, and the
scale the number carries is kept; only an exponent beyond ±60, which no field
holds, is written in scientific notation, so that text stays as short as the
number. Decimal fields are stored quantized to
their ``decimal_places`` and counters come back from minor units with theirs,
so a field's scale is the number's scale: ``Decimal("100")`` and
``Decimal("1E+2")`` are ``"100"``, ``Decimal("0.10")`` is ``"0.10"``,
``Decimal("100.00")`` is ``"100.00"``. Zero has no sign (as the decimal field
stores it): ``Decimal("-0")`` is ``"0"``, ``Decimal("-0.00")`` is ``"0.00"``.
Text, not a JSON number, so that no reader turns money into a float. Floats,
which no field stores but an expression or an HTTP response may produce, are
written by their shortest repr the same way (``0.1`` is ``"0.1"``).

``typed_data`` goes the other way, for expressions: stored decimal texts
become Decimals so that ``record.qty * record.price`` is exact.
"""

from __future__ import annotations

from datetime import date, datetime, time, tzinfo
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from apps.expressions.render import decimal_text

if TYPE_CHECKING:
    from .models import Form

DECIMAL_TYPES = ("decimal",)


def json_value(value: Any) -> Any:
    """``value`` as JSON data: Decimals and floats as exact text, dates and times as ISO text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        return decimal_text(Decimal(str(value)))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): json_value(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [json_value(v) for v in value]
    return str(value)


def from_units(units: int | None, field: dict) -> int | Decimal | None:
    """A counter's value from its integer minor units: an int without decimal places, else a Decimal."""
    if units is None:
        return None
    places = int(field.get("decimal_places", 0))
    return units if places == 0 else Decimal(units).scaleb(-places)


def counter_json(units: int | None, field: dict) -> int | str | None:
    """A counter as JSON: minor units in display units, by the Decimal rule."""
    return json_value(from_units(units, field))


def record_data(form: Form, data: dict, counters: dict[str, int] | None = None, *,
                include_removed: bool = False) -> dict:
    """A record's values as JSON, field by field, counters included (0 when never adjusted)."""
    from .fields.base import field_types  # the field types use this module's Decimal rule
    from .validation import active_fields

    fields = form.definition["fields"] if include_removed else active_fields(form.definition["fields"])
    out = {}
    for field in fields:
        key = field["key"]
        ftype = field_types.get(field["type"])
        if not ftype.stored_in_data:
            out[key] = counter_json((counters or {}).get(key, 0), field)
        elif key in data:
            out[key] = json_value(ftype.to_api(data[key], field))
    return out


def typed_data(data: dict, fields: list[dict]) -> dict:
    """Stored data with decimal texts as Decimal (also inside table rows), so arithmetic stays exact."""
    out = dict(data)
    for field in fields:
        value = out.get(field["key"])
        if value is None:
            out.setdefault(field["key"], None)
        elif field["type"] in DECIMAL_TYPES or (
            field["type"] == "formula" and field.get("result", "decimal") == "decimal"
        ):
            out[field["key"]] = Decimal(value)
        elif field["type"] == "subtable" and isinstance(value, list):
            out[field["key"]] = [typed_data(row, field.get("fields", [])) for row in value]
    return out


# Reading stored values the fields' way. The field types import this module for the Decimal
# rule, so their parsers are imported when called.


def to_decimal(value: Any) -> Decimal:
    """A number (JSON number or text) as an exact Decimal; public so exports read amounts as fields do."""
    from .fields.decimal import to_decimal as parse

    return parse(value)


def quantize(number: Decimal, places: int, *, exact: bool = True) -> Decimal:
    """``number`` with ``places`` decimals (refusing to drop digits when ``exact``), as a field stores it."""
    from .fields.decimal import quantize as fix

    return fix(number, places, exact=exact)


def to_date(value: Any, zone: tzinfo) -> date:
    """The day of a stored date or moment on ``zone``'s calendar; public so exports date lines as fields do."""
    from .fields.date import to_date as parse

    return parse(value, zone)
