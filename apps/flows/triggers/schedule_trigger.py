"""``schedule``: start a run on a cron schedule or every N seconds, kept by beat in django_celery_beat's tables."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from celery.schedules import crontab
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import TriggerType, trigger_types

if TYPE_CHECKING:
    from ..models import Flow
    from ..validation import FlowChecker

MIN_SECONDS = 10
CRON_PARTS = ("minute", "hour", "day_of_month", "month_of_year", "day_of_week")


def cron_parts(cron: str) -> dict[str, str]:
    """``"*/5 9-18 * * mon-fri"`` as crontab keywords; raises ValueError with the reason."""
    parts = cron.split()
    if len(parts) != len(CRON_PARTS):
        raise ValueError(_("expected 5 parts (minute hour day-of-month month day-of-week), got %(n)d")
                         % {"n": len(parts)})
    values = dict(zip(CRON_PARTS, parts, strict=True))
    crontab(**values)  # beat's own parser: what it accepts here is what it will run
    return values


@trigger_types.register
class ScheduleTrigger(TriggerType):
    """Exactly one of ``cron`` (with ``timezone``, default the workspace's) and ``every_seconds``."""

    type = "schedule"
    label = gettext_lazy("On a schedule")
    schema = {
        "cron": {"type": "string", "minLength": 9, "maxLength": 200},
        "timezone": {"type": "string", "minLength": 1, "maxLength": 64},
        "every_seconds": {"type": "integer", "minimum": MIN_SECONDS, "maximum": 366 * 86400},
    }

    def check(self, trigger: dict, path: str, checker: FlowChecker) -> None:
        has_cron, has_every = "cron" in trigger, "every_seconds" in trigger
        if has_cron == has_every:
            checker.error(path, _("give either 'cron' or 'every_seconds'"))
        if has_cron:
            try:
                cron_parts(trigger["cron"])
            except ValueError as exc:
                checker.error(f"{path}.cron", _("is not a valid cron expression: %(reason)s") % {"reason": exc})
        if "timezone" in trigger:
            if has_every:
                checker.error(f"{path}.timezone", _("applies only to 'cron'"))
            try:
                zoneinfo.ZoneInfo(trigger["timezone"])
            except (zoneinfo.ZoneInfoNotFoundError, ValueError):
                checker.error(f"{path}.timezone", _("'%(tz)s' is not a known time zone") % {"tz": trigger["timezone"]})

    def installed(self, flow: Flow) -> None:
        from .schedule import install

        install(flow)

    def removed(self, flow: Flow) -> None:
        from .schedule import uninstall

        uninstall(flow)
