"""Schedule triggers: the beat entry follows the flow, cron is checked at save, a slot fires once."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from django_celery_beat.models import PeriodicTask

from apps.core.errors import ValidationFailed
from apps.flows import services
from apps.flows.models import Run
from apps.flows.triggers import schedule
from apps.flows.triggers.schedule import fire, task_name


def entry(flow) -> PeriodicTask:
    return PeriodicTask.objects.select_related("crontab", "interval").get(name=task_name(flow.pk))


def test_the_beat_entry_is_created_updated_and_removed_with_the_flow(workspace, owner, create_flow):
    flow = create_flow({"type": "schedule", "cron": "*/5 9-18 * * mon-fri"}, key="pull_orders")
    task = entry(flow)
    assert (task.task, json.loads(task.args), task.enabled) == ("flows.start_scheduled", [flow.pk], True)
    assert task.interval is None
    crontab = task.crontab
    assert (crontab.minute, crontab.hour, crontab.day_of_month, crontab.month_of_year, crontab.day_of_week) == \
        ("*/5", "9-18", "*", "*", "mon-fri")
    assert str(crontab.timezone) == workspace.timezone

    definition = {**flow.definition, "trigger": {"type": "schedule", "every_seconds": 30}}
    flow = services.update_flow(flow, definition, member=owner)
    task = entry(flow)
    assert task.crontab is None and (task.interval.every, task.interval.period) == (30, "seconds")

    services.set_enabled(flow, False, member=owner)
    assert not PeriodicTask.objects.filter(name=task_name(flow.pk)).exists()
    services.set_enabled(flow, True, member=owner)
    assert entry(flow).enabled

    manual = {**flow.definition, "trigger": {"type": "manual"}}
    flow = services.update_flow(flow, manual, member=owner)
    assert not PeriodicTask.objects.filter(name=task_name(flow.pk)).exists()
    flow = services.update_flow(flow, definition, member=owner)
    services.delete_flow(flow, member=owner)
    assert not PeriodicTask.objects.filter(name=task_name(flow.pk)).exists()


def test_a_flow_created_disabled_gets_a_disabled_entry_and_the_cron_timezone_can_be_chosen(create_flow):
    flow = create_flow({"type": "schedule", "cron": "0 2 * * *", "timezone": "Europe/Berlin"}, enabled=False)
    task = entry(flow)
    assert not task.enabled and str(task.crontab.timezone) == "Europe/Berlin"


@pytest.mark.parametrize(("trigger", "path"), [
    ({"type": "schedule", "cron": "61 * * * *"}, "trigger.cron"),
    ({"type": "schedule", "cron": "* * * * * *"}, "trigger.cron"),
    ({"type": "schedule", "cron": "*/0 * * * *"}, "trigger.cron"),
    ({"type": "schedule", "cron": "0 2 * * *", "timezone": "Mars/Olympus"}, "trigger.timezone"),
    ({"type": "schedule", "every_seconds": 5}, "trigger.every_seconds"),
    ({"type": "schedule"}, "trigger"),
    ({"type": "schedule", "cron": "0 2 * * *", "every_seconds": 60}, "trigger"),
])
def test_bad_schedules_are_refused_at_save_with_a_located_error(create_flow, trigger, path):
    with pytest.raises(ValidationFailed) as refused:
        create_flow(trigger)
    assert path in refused.value.errors, refused.value.errors
    assert not PeriodicTask.objects.filter(name__startswith="flow:").exists()


def test_firing_twice_in_one_slot_starts_one_run(create_flow):
    flow = create_flow({"type": "schedule", "every_seconds": 60})
    first = fire(flow.pk)
    assert first is not None and fire(flow.pk) is None
    run = Run.objects.get(pk=first)
    assert run.input["trigger"]["type"] == "schedule" and "fired_at" in run.input["trigger"]
    assert run.dedupe_key == f"schedule:{run.input['trigger']['slot']}"


def test_slots_are_minutes_for_cron_and_intervals_for_every_seconds():
    at = datetime(2024, 5, 1, 10, 7, 31, 500, tzinfo=UTC)
    assert schedule.slot({"cron": "* * * * *"}, at) == datetime(2024, 5, 1, 10, 7, tzinfo=UTC)
    assert schedule.slot({"every_seconds": 10}, at) == datetime(2024, 5, 1, 10, 7, 30, tzinfo=UTC)
    assert schedule.slot({"every_seconds": 3600}, at) == datetime(2024, 5, 1, 10, 0, tzinfo=UTC)


def test_firing_an_inactive_or_deleted_flow_starts_nothing(create_flow, owner):
    paused = create_flow({"type": "schedule", "every_seconds": 60})
    type(paused).objects.filter(pk=paused.pk).update(paused_at="2024-01-01T00:00:00Z")
    assert fire(paused.pk) is None
    gone = create_flow({"type": "schedule", "every_seconds": 60})
    gone_id = gone.pk
    type(gone).objects.filter(pk=gone_id).delete()  # e.g. a crash between the two deletes
    assert fire(gone_id) is None
    assert not PeriodicTask.objects.filter(name=task_name(gone_id)).exists()
    assert not Run.objects.exists()
