"""Moments in time, stored in UTC as 'YYYY-MM-DDTHH:MM:SSZ' so that text order is time order."""

from __future__ import annotations

from datetime import UTC, datetime, time, tzinfo
from typing import Any

from django.utils.translation import gettext_lazy as _

from .base import COMMON_OPS, RANGE_OPS, DefinitionContext, FieldType, FieldValueError, field_types
from .date import check_bounds, check_order, parse_moment, zone_of

DATETIME_MESSAGE = _(
    "'%(value)s' is not a date and time; use YYYY-MM-DD HH:MM:SS, optionally with an offset such as +08:00"
)


def to_utc_text(value: Any, zone: tzinfo) -> str:
    """Input without an offset is read as the workspace's local time; a bare date is its midnight."""
    day, clock, offset = parse_moment(value, DATETIME_MESSAGE)
    moment = datetime.combine(day, clock or time(0), offset or zone)
    try:
        return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    except OverflowError:
        raise FieldValueError(DATETIME_MESSAGE % {"value": value}) from None


@field_types.register
class DateTimeField(FieldType):
    type = "datetime"
    label = _("Date and time")
    options_schema = {
        "min": {"type": "string", "maxLength": 40},
        "max": {"type": "string", "maxLength": 40},
    }
    value_schema = {"type": "string", "format": "date-time"}
    filter_ops = COMMON_OPS + RANGE_OPS
    sample: Any = "2024-05-01T02:30:00Z"

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        zone = zone_of(ctx)
        return check_bounds(field, lambda v: to_utc_text(v, zone))

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        zone = zone_of(ctx)
        text = to_utc_text(value, zone)
        check_order(text, field, lambda v: to_utc_text(v, zone))
        return text

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        return to_utc_text(value, zone_of(ctx))

    def from_csv(self, text: str, field: dict) -> Any:
        return text.strip() or None
