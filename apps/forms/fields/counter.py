"""Counters (stock on hand, reserved, available), kept in integer minor units in the ``Counter`` table.

The value never lives in ``Record.data`` and changes only by the counter service's
guarded adjustments; this type only checks an initial value and converts between
what people write ('12.5') and what the database adds up (1250 with 2 places).
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.utils.translation import gettext_lazy as _

from ..conversion import decimal_text
from .base import (
    COMMON_OPS,
    RANGE_OPS,
    DefinitionContext,
    FieldType,
    FieldValueError,
    check_range,
    field_types,
)
from .decimal import NUMBER_OPTION, check_number_options, quantize, to_decimal

MAX_UNITS = 2**63 - 1


def places(field: dict) -> int:
    return field.get("decimal_places", 0)


def to_minor(value: Any, field: dict) -> int:
    """``value`` in minor units; refuses rather than rounds digits the counter cannot hold."""
    units = int(quantize(to_decimal(value), places(field)).scaleb(places(field)))
    if abs(units) > MAX_UNITS:
        raise FieldValueError(_("is too large"))
    return units


def from_minor(units: int, field: dict) -> Decimal:
    return Decimal(units).scaleb(-places(field))


def bounds_minor(field: dict) -> tuple[int | None, int | None]:
    """The field's min and max in minor units, for the Counter row's floor and ceiling."""
    low, high = field.get("min"), field.get("max")
    return (
        None if low is None else to_minor(low, field),
        None if high is None else to_minor(high, field),
    )


@field_types.register
class CounterField(FieldType):
    type = "counter"
    label = _("Counter")
    options_schema = {
        "decimal_places": {"type": "integer", "minimum": 0, "maximum": 4},
        "min": NUMBER_OPTION,
        "max": NUMBER_OPTION,
    }
    value_schema = {"type": ["integer", "string"]}
    filter_ops = COMMON_OPS + RANGE_OPS
    stored_in_data = False
    can_be_unique = False
    sample: Any = 1250
    sample_field: dict[str, Any] = {"decimal_places": 2, "min": 0}

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        errors = check_number_options(field)
        for name in ("min", "max"):
            if field.get(name) is not None and name not in errors:
                try:
                    to_minor(field[name], field)
                except FieldValueError as exc:
                    errors[name] = exc.errors[""]
        return errors

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        """An initial value given on create, as minor units."""
        units = to_minor(value, field)
        check_range(from_minor(units, field), field)
        return units

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        return to_minor(value, field)

    def to_api(self, value: Any, field: dict) -> Any:
        if value is None:
            return None
        return value if places(field) == 0 else decimal_text(from_minor(value, field))

    def to_csv(self, value: Any, field: dict) -> str:
        return "" if value is None else decimal_text(from_minor(value, field))

    def from_csv(self, text: str, field: dict) -> Any:
        return text.strip() or None

    def unique_value(self, value: Any, field: dict) -> str:
        return str(value)
