"""Money in minor units: channels that count in fen or cents, converted exactly.

Pinduoduo's and Douyin's order APIs send integers of fen, others send yuan as
text. The conversion is a change of exponent on a Decimal, so 1999 fen is
exactly 19.99 and nothing ever passes through float.
"""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from ..errors import Abort
from ..i18n import gettext as _
from ..values import to_decimal
from .registry import register, whole_number


def _amount(value: Any) -> Decimal:
    number = to_decimal(value)
    if not number.is_finite():
        raise Abort("type", _("%(value)s is not an amount") % {"value": value})
    return number


@register("from_minor", "fen_to_yuan")
def from_minor(value: Any, places: Any = 2) -> Decimal:
    """``1999|fen_to_yuan`` → 19.99: minor units (fen, cents) as an exact amount."""
    return _amount(value).scaleb(-whole_number(places, "places", low=0, high=6))


@register("to_minor", "yuan_to_fen")
def to_minor(value: Any, places: Any = 2) -> int:
    """``'19.99'|yuan_to_fen`` → 1999; an amount with a fraction of a fen is refused."""
    scaled = _amount(value).scaleb(whole_number(places, "places", low=0, high=6))
    if scaled != scaled.to_integral_value():
        raise Abort(
            "runtime",
            _("%(value)s has more decimal places than the minor unit") % {"value": value},
        )
    return int(scaled)
