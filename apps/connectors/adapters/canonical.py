"""The canonical order every adapter produces, and the checks that keep it canonical.

Downstream flows compare money as exact decimal text with two places and
moments as UTC text ending in ``Z``, whatever the channel sent. Each value an
adapter's expression returns goes through one of the normalisers below; a
value that does not fit is refused with a reason instead of being guessed at.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from typing import Any

from django.utils.translation import gettext as _

STATUS_RANKS: dict[str, int] = {
    "pending": 10,
    "paid": 20,
    "shipped": 30,
    "completed": 40,
    "refunding": 50,
    "refunded": 60,
    "cancelled": 60,
}
STATUSES: tuple[str, ...] = tuple(STATUS_RANKS)
REFUND_STATUSES: tuple[str, ...] = ("pending", "succeeded", "rejected", "closed")

ORDER_FIELDS: dict[str, str] = {
    "order_id": "id",
    "currency": "currency",
    "total": "money",
    "paid_amount": "money",
    "discount": "money",
    "shipping_fee": "money",
    "refunded_amount": "money",
    "created_at": "time",
    "paid_at": "time",
    "updated_at": "time",
}
REQUIRED_ORDER_FIELDS: tuple[str, ...] = ("order_id", "total", "created_at", "updated_at")
BUYER_FIELDS: tuple[str, ...] = ("id", "name")
SHIPPING_FIELDS: tuple[str, ...] = ("name", "phone", "province", "city", "district", "address")
ITEM_FIELDS: dict[str, str] = {
    "line_id": "id",
    "sku": "text",
    "title": "text",
    "quantity": "quantity",
    "price": "money",
    "amount": "money",
}
REQUIRED_ITEM_FIELDS: tuple[str, ...] = ("line_id", "quantity", "price")
REFUND_FIELDS: dict[str, str] = {
    "refund_id": "id",
    "amount": "money",
    "reason": "text",
    "created_at": "time",
}
REQUIRED_REFUND_FIELDS: tuple[str, ...] = ("refund_id", "amount")

CENT = Decimal("0.01")
ZERO = "0.00"
_CURRENCY = re.compile(r"^[A-Z]{3}$")
_MAX_TEXT = 2000


class Unfit(ValueError):
    """A value that has no canonical form; the message says why."""


def _describe(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:59] + "…"


def money(value: Any) -> str:
    """``'19.9'``, ``19.9`` or ``Decimal('19.90')`` → ``'19.90'``; more than two places is refused."""
    if value is None:
        return ZERO
    if isinstance(value, bool) or not isinstance(value, int | Decimal | str):
        raise Unfit(_("%(value)s is not an amount") % {"value": _describe(value)})
    try:
        number = Decimal(value.strip()) if isinstance(value, str) else Decimal(value)
    except InvalidOperation:
        raise Unfit(_("%(value)s is not an amount") % {"value": _describe(value)}) from None
    if not number.is_finite() or abs(number) >= Decimal(10) ** 15:
        raise Unfit(_("%(value)s is not an amount") % {"value": _describe(value)})
    if number < 0:
        raise Unfit(_("%(value)s is negative; canonical amounts are positive") % {
            "value": _describe(value)})
    rounded = number.quantize(CENT)
    if rounded != number:
        raise Unfit(_("%(value)s has more than two decimal places") % {"value": _describe(value)})
    return format(rounded, "f")


def moment(value: Any) -> str | None:
    """An aware datetime or ISO text with an offset → ``2026-11-11T00:00:05Z``; none stays none."""
    if value is None or value == "":
        return None
    parsed = value
    if isinstance(value, str):
        try:
            parsed = datetime.fromisoformat(value.strip())
        except ValueError:
            raise Unfit(_("%(value)s is not an ISO 8601 time") % {"value": _describe(value)}) from None
    if not isinstance(parsed, datetime):
        raise Unfit(_("%(value)s is not a time; convert it with to_utc") % {"value": _describe(value)})
    if parsed.tzinfo is None:
        raise Unfit(_("%(value)s has no time zone; convert it with to_utc('<zone>')") % {
            "value": _describe(value)})
    return parsed.astimezone(UTC).replace(tzinfo=None).isoformat() + "Z"


def text(value: Any) -> str:
    """Text fields: none is empty, whole numbers become their digits."""
    if value is None:
        return ""
    if isinstance(value, bool) or not isinstance(value, str | int | Decimal):
        raise Unfit(_("%(value)s is not text") % {"value": _describe(value)})
    if isinstance(value, Decimal):
        if value != value.to_integral_value():
            raise Unfit(_("%(value)s is not text") % {"value": _describe(value)})
        value = int(value)
    result = str(value).strip()
    if len(result) > _MAX_TEXT:
        raise Unfit(_("the text is longer than %(n)s characters") % {"n": _MAX_TEXT})
    return result


def identifier(value: Any) -> str:
    result = text(value)
    if not result:
        raise Unfit(_("an id is required, got %(value)s") % {"value": _describe(value)})
    return result


def quantity(value: Any) -> int:
    number = value
    if isinstance(value, str) and value.strip().isdigit():
        number = int(value.strip())
    if isinstance(number, Decimal) and number.is_finite() and number == number.to_integral_value():
        number = int(number)
    if type(number) is not int or number < 0:
        raise Unfit(_("%(value)s is not a whole quantity") % {"value": _describe(value)})
    return number


def currency(value: Any) -> str:
    result = text(value).upper()
    if not _CURRENCY.match(result):
        raise Unfit(_("%(value)s is not an ISO 4217 currency code") % {"value": _describe(value)})
    return result


NORMALISERS = {
    "id": identifier,
    "text": text,
    "money": money,
    "time": moment,
    "quantity": quantity,
    "currency": currency,
}


def status_code(value: Any) -> str:
    """The channel's status as the text used for map keys (``1`` and ``'1'`` are the same)."""
    if isinstance(value, Decimal) and value.is_finite() and value == value.to_integral_value():
        value = int(value)
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise Unfit(_("%(value)s is not a status code") % {"value": _describe(value)})
    return str(value).strip()


def later(first: str | None, second: str | None) -> str | None:
    """The later of two canonical moments (either may be none)."""
    if first is None or second is None:
        return first or second
    return first if datetime.fromisoformat(first) >= datetime.fromisoformat(second) else second
