"""Reading a role's stored value and writing it the way a layout asks: exact amounts, dates by pattern."""

from __future__ import annotations

import re
from datetime import date, tzinfo
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from apps.forms.conversion import decimal_text, quantize, to_date, to_decimal
from apps.forms.fields import FieldType, FieldValueError

from .roles import AMOUNT, DATE, NUMBER, WHOLE

DATE_TOKENS = re.compile("YYYY|MM|M|DD|D")


class CellError(Exception):
    """A stored value the layout cannot write; the message says what to change."""


def _message(exc: FieldValueError) -> str:
    return str(next(iter(exc.errors.values()))[0])


def read(kind: str, ftype: FieldType, field: dict, value: Any, *, decimals: int, zone: tzinfo) -> Any:
    """The typed value of one role: date, exact Decimal (amounts and numbers), int, or text; None when empty."""
    if value is None or value == "" or value == []:
        return None
    try:
        if kind == DATE:
            return to_date(value, zone)
        if kind == AMOUNT:
            return quantize(to_decimal(value), decimals)
        if kind == NUMBER:
            return to_decimal(value)
        if kind == WHOLE:
            number = to_decimal(value)
            if number != number.to_integral_value() or number < 0:
                raise CellError(_("must be a whole number, 0 or more"))
            return int(number)
    except FieldValueError as exc:
        raise CellError(_message(exc)) from None
    try:
        return ftype.to_csv(value, field)
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError):
        return str(value)


def format_date(day: date, pattern: str) -> str:
    parts = {"YYYY": f"{day.year:04d}", "MM": f"{day.month:02d}", "M": str(day.month),
             "DD": f"{day.day:02d}", "D": str(day.day)}
    return DATE_TOKENS.sub(lambda match: parts[match.group()], pattern)


def format_amount(number: Decimal, decimals: int, thousands_separator: str, zero: str | None) -> str:
    """Fixed decimals, never an exponent; ``zero`` replaces a zero amount when the ERP wants it blank or bare."""
    if number == 0 and zero is not None:
        return zero
    text = format(number.quantize(Decimal(1).scaleb(-decimals)), "f")
    if not thousands_separator:
        return text
    sign, digits = ("-", text[1:]) if text.startswith("-") else ("", text)
    whole, dot, fraction = digits.partition(".")
    grouped = f"{int(whole):,}".replace(",", thousands_separator)
    return f"{sign}{grouped}{dot}{fraction}"


def format_value(kind: str, value: Any, *, date_format: str, decimals: int, thousands_separator: str,
                 zero: str | None) -> str:
    if value is None:
        return ""
    if kind == DATE:
        return format_date(value, date_format)
    if kind == AMOUNT:
        return format_amount(value, decimals, thousands_separator, zero)
    if kind == NUMBER:
        return decimal_text(value)
    return str(value)
