"""Number filters: exact rounding of money and conversions to Decimal.

Rounding uses ROUND_HALF_UP, the rule shops and invoices use (2.345 → 2.35),
not Python's banker's rounding, and never goes through float.
"""

from __future__ import annotations

from decimal import (
    ROUND_CEILING,
    ROUND_FLOOR,
    ROUND_HALF_EVEN,
    ROUND_HALF_UP,
    Decimal,
    InvalidOperation,
)
from typing import Any

from ..errors import Abort
from ..i18n import gettext as _
from ..limits import current_budget
from ..values import to_decimal
from .registry import register, text_argument, whole_number

_ROUNDING = {
    "half_up": ROUND_HALF_UP,
    "common": ROUND_HALF_UP,
    "half_even": ROUND_HALF_EVEN,
    "ceil": ROUND_CEILING,
    "floor": ROUND_FLOOR,
}


def quantize(value: Decimal, places: int, rounding: str) -> Decimal:
    try:
        return value.quantize(Decimal(1).scaleb(-places), rounding=rounding)
    except InvalidOperation:
        raise Abort("runtime", _("%(value)s is too large to round") % {"value": value}) from None


@register("money")
def money(value: Any, places: Any = 2) -> Decimal:
    """``19.999|money`` → 20.00: an exact amount with ``places`` decimals."""
    return quantize(
        to_decimal(value), whole_number(places, "places", low=0, high=12), ROUND_HALF_UP
    )


@register("decimal")
def decimal(value: Any) -> Decimal:
    """Exact number from text (``'19.99'``) or a number."""
    return to_decimal(value)


@register("round")
def round_(value: Any, places: Any = 0, method: Any = "half_up") -> Decimal | int:
    """Round half up by default; ``method`` may be half_even, ceil or floor."""
    places = whole_number(places, "places", low=0, high=12)
    rounding = _ROUNDING.get(text_argument(method, "method"))
    if rounding is None:
        raise Abort(
            "type",
            _("unknown rounding method %(method)s; use one of: %(methods)s")
            % {"method": repr(method), "methods": ", ".join(_ROUNDING)},
        )
    if type(value) is int:
        return value
    return quantize(to_decimal(value), places, rounding)


@register("abs")
def absolute(value: Any) -> Decimal | int:
    """Absolute value of a number."""
    if type(value) is int:
        return abs(value)
    return abs(to_decimal(value))


@register("int")
def integer(value: Any, default: Any = 0) -> Any:
    """Whole part of a number or numeric text; ``default`` when it is not a number."""
    if type(value) is int:
        return value
    try:
        number = to_decimal(value)
    except Abort:
        return default
    if not number.is_finite():
        return default
    if number.adjusted() >= current_budget().limits.max_int_digits:
        raise Abort("limit", _("the number has too many digits"))
    return int(number)
