"""End to end with a real Celery worker and beat: outbox → dispatch task → run, and beat → schedule → run.

These poll the database (the source of truth) and never assert on timing:
the deadlines only bound how long a broken setup takes to fail.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

import pytest

from apps.flows.models import Run, RunStatus
from tests.support.workers import CeleryProcess

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]


def eventually(check: Callable[[], Any], *, timeout: float, what: str, processes: list[CeleryProcess]) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline or not all(p.running for p in processes):
            logs = "\n".join(f"--- {p.name} ---\n{p.log()[-3000:]}" for p in processes)
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s\n{logs}")
        time.sleep(0.2)


def test_a_record_created_through_the_service_is_run_by_the_worker(make, orders, create_flow, celery_worker):
    flow = create_flow({"type": "record", "form": "orders", "on": ["created"], "condition": "record.total > 10"}, [
        {"id": "mark", "type": "record.update", "form": "orders", "record": "{{ record.id }}",
         "data": {"priority": "high"}}])
    small = make.record(orders, {"title": "small", "total": "5"})
    big = make.record(orders, {"title": "big", "total": "50"})
    run = eventually(lambda: Run.objects.filter(flow=flow, status__in=[RunStatus.SUCCEEDED, RunStatus.FAILED]).first(),
                     timeout=60, what="the run of the created record", processes=[celery_worker])
    assert run.status == RunStatus.SUCCEEDED, run.error
    big.refresh_from_db()
    small.refresh_from_db()
    assert big.data["priority"] == "high" and "priority" not in small.data
    assert Run.objects.filter(flow=flow).count() == 1


def test_beat_fires_a_schedule_flow_and_the_worker_runs_it(create_flow, celery_worker, celery_beat):
    flow = create_flow({"type": "schedule", "every_seconds": 10},
                       [{"id": "note", "type": "set", "variables": {"fired": "{{ trigger.fired_at }}"}}])
    run = eventually(lambda: Run.objects.filter(flow=flow, status=RunStatus.SUCCEEDED).first(),
                     timeout=60, what="a scheduled run", processes=[celery_worker, celery_beat])
    assert run.variables["fired"] == run.input["trigger"]["fired_at"]
    assert run.dedupe_key.startswith("schedule:")
