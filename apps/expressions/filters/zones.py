"""Time zones: reading each channel's way of writing a moment, and writing it back.

Taobao and JD write "2026-11-11 08:00:05" meaning Beijing time, Douyin writes
Unix seconds, Shopify ISO 8601 with an offset. Canonical data keeps one form,
UTC with a ``Z``, so that moments from every channel compare as text.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, tzinfo
from decimal import Decimal
from functools import lru_cache
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from ..errors import Abort
from ..i18n import gettext as _
from ..values import to_decimal, type_label
from .registry import register, text_argument

_MAX_UNIX = 253_402_300_799  # 9999-12-31T23:59:59Z


@lru_cache(maxsize=64)
def _zone(name: str) -> tzinfo | None:
    if name.upper() in ("UTC", "Z"):
        return UTC
    if not name or len(name) > 64 or ".." in name or name.startswith("/"):
        return None
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return None


def zone(name: Any) -> tzinfo:
    """The time zone called ``name`` (an IANA name such as Asia/Shanghai, or UTC)."""
    found = _zone(text_argument(name, "time zone"))
    if found is None:
        raise Abort("type", _("unknown time zone %(name)s") % {"name": repr(name)[:70]})
    return found


def _from_unix(value: Any) -> datetime:
    seconds = to_decimal(value)
    if not seconds.is_finite() or not 0 <= seconds <= _MAX_UNIX:
        raise Abort("runtime", _("%(value)s is not a Unix time in seconds") % {"value": value})
    whole = int(seconds)
    micro = int((seconds - whole) * 1_000_000)
    return datetime.fromtimestamp(whole, UTC).replace(microsecond=micro)


def moment(value: Any, default_zone: tzinfo) -> datetime:
    """An aware datetime from a datetime, a date, Unix seconds or text.

    Text is ISO 8601 (``T`` or a space between date and time); when it has no
    offset it is read in ``default_zone``. Text made only of digits is Unix seconds.
    """
    if isinstance(value, bool):
        raise Abort("type", _("a boolean is not a time"))
    if isinstance(value, int | Decimal):
        return _from_unix(value)
    if isinstance(value, str):
        text = value.strip()
        if text.isdigit():
            return _from_unix(text)
        if len(text) > 64:
            raise Abort("type", _("'%(text)s' is not a date and time") % {"text": text[:40]})
        try:
            value = datetime.fromisoformat(text)
        except ValueError:
            raise Abort(
                "type", _("'%(text)s' is not a date and time") % {"text": text[:40]}
            ) from None
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time())
    if not isinstance(value, datetime):
        raise Abort("type", _("a %(type)s is not a time") % {"type": type_label(value)})
    return value if value.tzinfo is not None else value.replace(tzinfo=default_zone)


def utc_text(value: datetime) -> str:
    """``2026-11-11T00:00:05Z``; fractions of a second only when there are some."""
    try:
        text = value.astimezone(UTC).replace(tzinfo=None).isoformat()
    except OverflowError:
        raise Abort("runtime", _("the date is out of range")) from None
    return text + "Z"


@register("to_utc")
def to_utc(value: Any, zone_name: Any = "UTC") -> str | None:
    """``'2026-11-11 08:00:05'|to_utc('Asia/Shanghai')`` → ``'2026-11-11T00:00:05Z'``.

    Reads local text in ``zone_name``, ISO text with an offset, Unix seconds or
    a datetime; none and empty text stay none (an order not paid yet).
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    return utc_text(moment(value, zone(zone_name)))


@register("in_timezone")
def in_timezone(value: Any, zone_name: Any) -> datetime:
    """The same moment on the clocks of ``zone_name``; format it with ``format_date``."""
    try:
        return moment(value, UTC).astimezone(zone(zone_name))
    except OverflowError:
        raise Abort("runtime", _("the date is out of range")) from None


@register("unix")
def unix(value: Any, zone_name: Any = "UTC") -> int:
    """Whole Unix seconds of a moment (text without offset is read in ``zone_name``)."""
    return int(moment(value, zone(zone_name)).timestamp())
