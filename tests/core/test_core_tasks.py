"""The idempotency purge task and its beat schedule, without a worker."""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone
from django_celery_beat.models import IntervalSchedule, PeriodicTask

from apps.celery import app
from apps.core.models import IdempotencyKey
from apps.core.schedules import PERIODIC_TASKS, ensure_periodic_tasks
from apps.core.tasks import PURGE_IDEMPOTENCY_KEYS, purge_idempotency_keys


def _key(key: str, age: timedelta) -> IdempotencyKey:
    row = IdempotencyKey.objects.create(workspace_id=1, key=key, method="POST", path="/x", fingerprint="f")
    IdempotencyKey.objects.filter(pk=row.pk).update(created_at=timezone.now() - age)
    return row


def test_purge_deletes_only_expired_keys(db, settings):
    settings.WEFT = {**settings.WEFT, "IDEMPOTENCY_TTL_SECONDS": 3600}
    _key("old", timedelta(hours=2))
    _key("fresh", timedelta(minutes=5))
    result = purge_idempotency_keys.apply()  # eager, through Celery's task machinery
    assert result.get() == 1
    assert list(IdempotencyKey.objects.values_list("key", flat=True)) == ["fresh"]


def test_task_is_registered_under_its_stable_name():
    app.loader.import_default_modules()  # what a worker does at start (autodiscovery)
    assert PURGE_IDEMPOTENCY_KEYS in app.tasks
    assert purge_idempotency_keys.name == PURGE_IDEMPOTENCY_KEYS


def test_ensure_periodic_tasks_is_idempotent_and_hourly(db):
    assert ensure_periodic_tasks() == [spec.name for spec in PERIODIC_TASKS]
    assert ensure_periodic_tasks() == []
    row = PeriodicTask.objects.get(task=PURGE_IDEMPOTENCY_KEYS)
    assert (row.interval.every, row.interval.period) == (1, IntervalSchedule.HOURS)
    assert row.enabled


def test_ensure_periodic_tasks_keeps_operator_changes_but_fixes_the_task_path(db):
    ensure_periodic_tasks()
    every_day = IntervalSchedule.objects.create(every=1, period=IntervalSchedule.DAYS)
    PeriodicTask.objects.filter(task=PURGE_IDEMPOTENCY_KEYS).update(
        interval=every_day, enabled=False, task="old.path")
    ensure_periodic_tasks()
    row = PeriodicTask.objects.get(name=PERIODIC_TASKS[0].name)
    assert (row.task, row.interval_id, row.enabled) == (PURGE_IDEMPOTENCY_KEYS, every_day.pk, False)
