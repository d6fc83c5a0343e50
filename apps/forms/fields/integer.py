from __future__ import annotations

from decimal import Decimal, InvalidOperation
from typing import Any

from django.db.models import BigIntegerField, Expression
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from .base import COMMON_OPS, RANGE_OPS, FieldType, FieldValueError, check_range, field_types

MAX_SAFE = 2**53 - 1


def parse_integer(value: Any) -> int:
    """Integers from JSON numbers or text; '3.0' is 3, '3.5' is refused."""
    if isinstance(value, bool):
        raise FieldValueError(_("must be a whole number"))
    if isinstance(value, int):
        number = value
    else:
        try:
            exact = Decimal(str(value).strip().replace(",", ""))
        except (InvalidOperation, ValueError):
            raise FieldValueError(_("must be a whole number")) from None
        if not exact.is_finite() or exact != exact.to_integral_value():
            raise FieldValueError(_("must be a whole number"))
        number = int(exact)
    if abs(number) > MAX_SAFE:
        raise FieldValueError(_("is too large"))
    return number


@field_types.register
class IntegerField(FieldType):
    type = "integer"
    label = _("Whole number")
    options_schema = {"min": {"type": "integer"}, "max": {"type": "integer"}}
    value_schema = {"type": "integer"}
    filter_ops = COMMON_OPS + RANGE_OPS
    sample: Any = 42

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        number = parse_integer(value)
        check_range(number, field)
        return number

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        return parse_integer(value)

    def db_expression(self, path: str, field: dict) -> Expression:
        return Cast(KT(path), BigIntegerField())

    def from_csv(self, text: str, field: dict) -> Any:
        return text.strip() or None
