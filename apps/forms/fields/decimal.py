"""Exact decimals (money, weights, rates), stored as canonical strings so no float ever holds them."""

from __future__ import annotations

import contextlib
import re
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from typing import Any

from django.db.models import DecimalField as DbDecimal
from django.db.models import Expression
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
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

MAX_INTEGER_DIGITS = 20
NUMBER_OPTION = {"type": ["number", "string"], "maxLength": 40}
CURRENCY = re.compile(r"[A-Z]{3}")


def to_decimal(value: Any) -> Decimal:
    """A Decimal from a JSON number or text; a float goes through its shortest repr, never its binary value."""
    if isinstance(value, bool):
        raise FieldValueError(_("must be a number"))
    if isinstance(value, Decimal):
        number = value
    elif isinstance(value, int | float):
        number = Decimal(str(value))
    elif isinstance(value, str):
        try:
            number = Decimal(value.strip().replace(",", ""))
        except InvalidOperation:
            raise FieldValueError(_("'%(value)s' is not a number") % {"value": value}) from None
    else:
        raise FieldValueError(_("must be a number"))
    if not number.is_finite():
        raise FieldValueError(_("must be a finite number"))
    return number


def quantize(number: Decimal, places: int, *, exact: bool = True) -> Decimal:
    """``number`` with exactly ``places`` decimals; with ``exact``, refuse to drop digits rather than round money."""
    if number.adjusted() >= MAX_INTEGER_DIGITS:
        raise FieldValueError(_("is too large"))
    result = number.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)
    if exact and result != number:
        if places == 0:
            raise FieldValueError(_("must be a whole number"))
        raise FieldValueError(_("must have at most %(n)d decimal places") % {"n": places})
    return abs(result) if result == 0 else result


def check_number_options(
    field: dict, names: tuple[str, ...] = ("min", "max")
) -> dict[str, list[Any]]:
    """Bounds given as text must be numbers, and min may not exceed max."""
    errors: dict[str, list[Any]] = {}
    bounds = {}
    for name in names:
        if field.get(name) is not None:
            try:
                bounds[name] = to_decimal(field[name])
            except FieldValueError as exc:
                errors[name] = [exc.errors[""][0]]
    if len(bounds) == 2 and bounds["min"] > bounds["max"]:
        errors.setdefault("max", []).append(
            _("must not be less than min (%(n)s)") % {"n": field["min"]}
        )
    return errors


@field_types.register
class DecimalField(FieldType):
    type = "decimal"
    label = _("Decimal number")
    options_schema = {
        "decimal_places": {"type": "integer", "minimum": 0, "maximum": 8},
        "min": NUMBER_OPTION,
        "max": NUMBER_OPTION,
        "currency": {"type": "string", "maxLength": 3},
        "placeholder": {"type": "string", "maxLength": 200},
    }
    value_schema = {"type": "string", "pattern": r"^-?\d+(\.\d+)?$"}
    filter_ops = COMMON_OPS + RANGE_OPS
    sample: Any = "1234.50"

    @staticmethod
    def places(field: dict) -> int:
        return field.get("decimal_places", 2)

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        errors = check_number_options(field)
        currency = field.get("currency")
        if currency is not None and not CURRENCY.fullmatch(currency):
            errors["currency"] = [
                _("must be a three-letter ISO 4217 code in capitals, such as CNY or USD")
            ]
        return errors

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        number = quantize(to_decimal(value), self.places(field))
        check_range(number, field)
        return decimal_text(number)

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        """Canonical text, so 'eq 12.5' matches a stored '12.50'; extra digits still compare by value."""
        number = to_decimal(value)
        with contextlib.suppress(FieldValueError):
            number = quantize(number, self.places(field))
        return decimal_text(number)

    def db_expression(self, path: str, field: dict) -> Expression:
        places = self.places(field)
        return Cast(
            KT(path), DbDecimal(max_digits=MAX_INTEGER_DIGITS + places, decimal_places=places)
        )

    def from_csv(self, text: str, field: dict) -> Any:
        return text.strip() or None

    def unique_value(self, value: Any, field: dict) -> str:
        """Independent of decimal_places, so changing them later does not make '1.50' and '1.500' differ."""
        number = Decimal(str(value)).normalize()
        return decimal_text(number) if number != 0 else "0"
