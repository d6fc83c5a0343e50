"""Schedule flows: their beat entry (a PeriodicTask named ``flow:<id>``) and what firing does.

Beat runs with the DatabaseScheduler, so the entry is a row that beat reloads
when it changes. Firing is idempotent per time slot: two beats (or one beat
firing twice) start one run for a slot.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from celery.schedules import crontab
from django.utils import timezone
from django.utils.translation import gettext as _
from django_celery_beat.models import CrontabSchedule, IntervalSchedule, PeriodicTask

from ..engine.runner import start_run
from ..models import Flow

TRIGGER_TYPE = "schedule"
TASK = "flows.start_scheduled"

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


def task_name(flow_id: int) -> str:
    return f"flow:{flow_id}"


def install(flow: Flow) -> PeriodicTask:
    """Create or update the flow's beat entry; it is disabled while the flow is disabled or paused."""
    trigger = flow.definition["trigger"]
    entry = PeriodicTask.objects.filter(name=task_name(flow.pk)).first() or PeriodicTask(name=task_name(flow.pk))
    entry.task = TASK
    entry.args = json.dumps([flow.pk])
    entry.kwargs = "{}"
    entry.enabled = flow.active
    entry.description = f"Weft flow '{flow.key}'"
    if "cron" in trigger:
        zone = trigger.get("timezone") or getattr(flow.workspace, "timezone", "") or "UTC"
        entry.crontab, entry.interval = _crontab(cron_parts(trigger["cron"]), zone), None
    else:
        entry.interval, entry.crontab = _interval(int(trigger["every_seconds"])), None
    entry.save()
    return entry


def uninstall(flow: Flow) -> None:
    for entry in PeriodicTask.objects.filter(name=task_name(flow.pk)):
        entry.delete()  # one by one: the model's delete() tells beat the schedule changed


def _interval(seconds: int) -> IntervalSchedule:
    # Not get_or_create: the admin lets people create duplicates, which would make it raise.
    found = IntervalSchedule.objects.filter(every=seconds, period=IntervalSchedule.SECONDS).order_by("pk").first()
    return found or IntervalSchedule.objects.create(every=seconds, period=IntervalSchedule.SECONDS)


def _crontab(parts: dict[str, str], zone: str) -> CrontabSchedule:
    found = CrontabSchedule.objects.filter(**parts, timezone=zone).order_by("pk").first()
    return found or CrontabSchedule.objects.create(**parts, timezone=zone)


def slot(trigger: dict, now: datetime) -> datetime:
    """The time slot a firing belongs to: its minute for cron, its interval for ``every_seconds``."""
    every = int(trigger.get("every_seconds") or 60)
    return datetime.fromtimestamp(int(now.timestamp()) // every * every, tz=UTC)


def fire(flow_id: int) -> int | None:
    """Start the scheduled run for the current slot; None when the flow is inactive or the slot already ran."""
    flow = Flow.objects.filter(pk=flow_id).first()
    if flow is None:
        PeriodicTask.objects.filter(name=task_name(flow_id)).delete()  # an orphan entry left by a crash
        return None
    if flow.trigger_type != TRIGGER_TYPE or not flow.active:
        return None
    now = timezone.now()
    at = slot(flow.definition["trigger"], now)
    meta = {"type": TRIGGER_TYPE, "fired_at": now.isoformat(), "slot": at.isoformat()}
    run = start_run(flow, trigger=meta, input_={"trigger": meta}, dedupe_key=f"schedule:{at.isoformat()}")
    return run.pk if run is not None else None
