"""``schedule``: start a run on a cron schedule or every N seconds, kept by beat in django_celery_beat's tables."""

from __future__ import annotations

import zoneinfo
from typing import TYPE_CHECKING

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import TriggerType, trigger_types
from .schedule import TRIGGER_TYPE, cron_parts, install, uninstall

if TYPE_CHECKING:
    from ..models import Flow
    from ..validation import FlowChecker

MIN_SECONDS = 10


@trigger_types.register
class ScheduleTrigger(TriggerType):
    """Exactly one of ``cron`` (with ``timezone``, default the workspace's) and ``every_seconds``."""

    type = TRIGGER_TYPE
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
        install(flow)

    def removed(self, flow: Flow) -> None:
        uninstall(flow)
