"""Date filters: parse ISO text, shift, compare and format dates.

Records store dates as ISO text in JSON, so every filter accepts text as well
as date objects. Formatting accepts only a fixed set of strftime directives
without flags or widths: glibc's ``%010000d`` would otherwise be a way to build
huge strings.
"""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from typing import Any

from ..errors import Abort
from ..i18n import gettext as _
from ..values import to_decimal, type_label
from .registry import register, text_argument, whole_number

_DIRECTIVES = frozenset("aAbBdHIjmMpSyYzZwUW%")
_FLAGS = frozenset("-_0^#:+123456789.")
_MAX_FORMAT = 200
_MAX_DAYS = 3_650_000


def _parse_text(text: str) -> date | datetime:
    text = text.strip()
    if len(text) <= 64:
        try:
            return date.fromisoformat(text) if len(text) == 10 else datetime.fromisoformat(text)
        except ValueError:
            pass
    raise Abort("type", _("'%(text)s' is not an ISO date or datetime") % {"text": text[:40]})


def temporal(value: Any) -> date | datetime:
    """A date or datetime from a date, a datetime or ISO text."""
    if isinstance(value, date):
        return value
    if isinstance(value, str):
        return _parse_text(value)
    raise Abort("type", _("a %(type)s is not a date") % {"type": type_label(value)})


def as_date(value: Any) -> date:
    result = temporal(value)
    return result.date() if isinstance(result, datetime) else result


def as_datetime(value: Any) -> datetime:
    result = temporal(value)
    return result if isinstance(result, datetime) else datetime.combine(result, time())


def _shift(value: Any, delta: timedelta) -> date | datetime:
    try:
        return temporal(value) + delta
    except OverflowError:
        raise Abort("runtime", _("the date is out of range")) from None


@register("date")
def to_date(value: Any) -> date:
    """``'2025-03-01T10:00'|date`` → the date part."""
    return as_date(value)


@register("datetime")
def to_datetime(value: Any) -> datetime:
    """``'2025-03-01'|datetime`` → midnight of that day."""
    return as_datetime(value)


@register("format_date")
def format_date(value: Any, fmt: str = "%Y-%m-%d") -> str:
    """strftime with a safe subset of directives (no flags, no widths)."""
    fmt = text_argument(fmt, "format")
    if len(fmt) > _MAX_FORMAT:
        raise Abort("limit", _("the date format is too long"))
    chars = iter(fmt)
    for char in chars:
        directive = next(chars, "") if char == "%" else ""
        if directive and directive in _FLAGS:
            raise Abort("security", _("date format flags and widths are not allowed"))
        if char == "%" and directive not in _DIRECTIVES:
            raise Abort(
                "type",
                _("unsupported date format %(format)s; allowed directives: %(allowed)s")
                % {"format": repr(fmt), "allowed": " ".join("%" + d for d in sorted(_DIRECTIVES))},
            )
    try:
        return temporal(value).strftime(fmt)
    except ValueError as error:
        raise Abort("runtime", str(error)) from None


@register("add_days")
def add_days(value: Any, days: Any) -> date | datetime:
    """``record.ordered_at|add_days(30)``; negative days go back."""
    return _shift(value, timedelta(days=whole_number(days, "days", low=-_MAX_DAYS, high=_MAX_DAYS)))


@register("add_hours")
def add_hours(value: Any, hours: Any) -> datetime:
    """Shift by (possibly fractional) hours; a date becomes a datetime at midnight."""
    amount = to_decimal(hours)
    if not amount.is_finite() or abs(amount) > _MAX_DAYS * 24:
        raise Abort("runtime", _("the date is out of range"))
    seconds = int((amount * 3600).to_integral_value())
    return _shift(as_datetime(value), timedelta(seconds=seconds))


@register("days_between")
def days_between(value: Any, other: Any) -> int:
    """Whole days from ``value`` to ``other`` (positive when ``other`` is later)."""
    return (as_date(other) - as_date(value)).days


@register("start_of_day")
def start_of_day(value: Any) -> datetime:
    """Midnight of the same day, keeping the time zone of a datetime."""
    result = temporal(value)
    if isinstance(result, datetime):
        return result.replace(hour=0, minute=0, second=0, microsecond=0)
    return datetime.combine(result, time())
