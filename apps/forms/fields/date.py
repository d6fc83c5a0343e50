"""Calendar dates, stored as 'YYYY-MM-DD' so that text order is date order.

The parsing helpers here are shared with ``datetime``: both accept ISO 8601 and the
spellings exports from Chinese platforms use (``2024/5/1``, ``2024年5月1日 10:00``).
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, time, timedelta, timezone, tzinfo
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.utils.translation import gettext_lazy as _

from .base import COMMON_OPS, RANGE_OPS, DefinitionContext, FieldType, FieldValueError, field_types

_MOMENT = re.compile(
    r"(?P<y>[1-9]\d{3})(?:[-/.年](?P<m>\d{1,2})[-/.月](?P<d>\d{1,2})日?|(?P<m2>\d{2})(?P<d2>\d{2}))"
    r"(?:(?:[ T]+|(?<=日))(?P<H>\d{1,2}):(?P<M>\d{2})(?::(?P<S>\d{2})(?:[.,]\d+)?)?)?"
    r"\s*(?P<tz>Z|[+-]\d{2}(?::?\d{2})?)?",
    re.IGNORECASE,
)
DATE_MESSAGE = _("'%(value)s' is not a date; use YYYY-MM-DD")


def workspace_zone(workspace: Any) -> tzinfo:
    """The workspace's time zone; UTC if it has none or an unknown one."""
    try:
        return ZoneInfo(workspace.timezone)
    except (AttributeError, ZoneInfoNotFoundError, ValueError, TypeError):
        return UTC


def parse_moment(
    value: Any, message: Any = DATE_MESSAGE
) -> tuple[date, time | None, tzinfo | None]:
    """The day, the time of day (if given) and the offset (if given) written in ``value``."""
    if isinstance(value, datetime):
        return value.date(), value.time().replace(microsecond=0), value.tzinfo
    if isinstance(value, date):
        return value, None, None
    match = _MOMENT.fullmatch(value.strip()) if isinstance(value, str) else None
    if match is None:
        raise FieldValueError(message % {"value": value})
    g = match.groupdict()
    try:
        day = date(int(g["y"]), int(g["m"] or g["m2"]), int(g["d"] or g["d2"]))
        clock = time(int(g["H"]), int(g["M"]), int(g["S"] or 0)) if g["H"] else None
        return day, clock, _offset(g["tz"])
    except ValueError:
        raise FieldValueError(message % {"value": value}) from None


def _offset(text: str | None) -> tzinfo | None:
    if not text:
        return None
    if text.upper() == "Z":
        return UTC
    digits = text[1:].replace(":", "")
    delta = timedelta(hours=int(digits[:2]), minutes=int(digits[2:] or 0))
    return timezone(-delta if text[0] == "-" else delta)


def to_date(value: Any, zone: tzinfo) -> date:
    """A moment with an offset is taken on the workspace's calendar; otherwise its written day."""
    day, clock, offset = parse_moment(value)
    if clock is not None and offset is not None:
        return datetime.combine(day, clock, offset).astimezone(zone).date()
    return day


def zone_of(ctx: Any) -> tzinfo:
    return workspace_zone(getattr(ctx, "workspace", None))


def check_bounds(field: dict, parse) -> dict[str, list[Any]]:
    """min/max must parse, and min may not come after max."""
    errors: dict[str, list[Any]] = {}
    parsed = {}
    for name in ("min", "max"):
        if field.get(name) is not None:
            try:
                parsed[name] = parse(field[name])
            except FieldValueError as exc:
                errors[name] = exc.errors[""]
    if len(parsed) == 2 and parsed["min"] > parsed["max"]:
        errors.setdefault("max", []).append(
            _("must not be before min (%(min)s)") % {"min": field["min"]}
        )
    return errors


def check_order(text: str, field: dict, parse) -> None:
    """Canonical texts compare in time order, so bounds are checked on the text."""
    if field.get("min") is not None and text < parse(field["min"]):
        raise FieldValueError(_("must be on or after %(min)s") % {"min": field["min"]})
    if field.get("max") is not None and text > parse(field["max"]):
        raise FieldValueError(_("must be on or before %(max)s") % {"max": field["max"]})


@field_types.register
class DateField(FieldType):
    type = "date"
    label = _("Date")
    options_schema = {
        "min": {"type": "string", "maxLength": 40},
        "max": {"type": "string", "maxLength": 40},
    }
    value_schema = {"type": "string", "format": "date"}
    filter_ops = COMMON_OPS + RANGE_OPS
    sample: Any = "2024-05-01"

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        return check_bounds(field, lambda v: to_date(v, UTC).isoformat())

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        zone = zone_of(ctx)
        text = to_date(value, zone).isoformat()
        check_order(text, field, lambda v: to_date(v, zone).isoformat())
        return text

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        return to_date(value, zone_of(ctx)).isoformat()

    def from_csv(self, text: str, field: dict) -> Any:
        return text.strip() or None
