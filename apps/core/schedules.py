"""Periodic tasks that Weft needs, registered in django_celery_beat's tables.

Beat runs with the DatabaseScheduler, so a schedule is a row that operators can
see and change in the admin. ``ensure_periodic_tasks()`` is called explicitly by
``manage.py bootstrap`` (not from a migration or a signal) so that tests and
migrations never create rows as a side effect.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.db import transaction
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from .tasks import PURGE_IDEMPOTENCY_KEYS


@dataclass(frozen=True)
class Periodic:
    """A task to run every ``every`` ``period`` (an IntervalSchedule period name)."""

    name: str
    task: str
    every: int
    period: str


PERIODIC_TASKS: list[Periodic] = [
    Periodic("weft: purge expired idempotency keys", PURGE_IDEMPOTENCY_KEYS, 1, IntervalSchedule.HOURS),
]


def register(periodic: Periodic) -> None:
    """Apps add their periodic tasks from ``AppConfig.ready`` (the core knows no app above it)."""
    if all(p.name != periodic.name for p in PERIODIC_TASKS):
        PERIODIC_TASKS.append(periodic)


def _interval(every: int, period: str) -> IntervalSchedule:
    # Not get_or_create: the admin lets people create duplicates, which would make it raise.
    existing = IntervalSchedule.objects.filter(every=every, period=period).order_by("pk").first()
    return existing or IntervalSchedule.objects.create(every=every, period=period)


@transaction.atomic
def ensure_periodic_tasks() -> list[str]:
    """Create the missing periodic tasks; return the names of those created.

    An existing row keeps its interval and its enabled flag (operators own them
    once it exists); only its task path is corrected, because code owns that.
    """
    created: list[str] = []
    for spec in PERIODIC_TASKS:
        row = PeriodicTask.objects.filter(name=spec.name).first()
        if row is None:
            PeriodicTask.objects.create(name=spec.name, task=spec.task, interval=_interval(spec.every, spec.period))
            created.append(spec.name)
        elif row.task != spec.task:
            row.task = spec.task
            row.save(update_fields=["task"])
    return created
