"""A worker killed in the middle of a run: the run resumes on another worker and no completed effect repeats.

The flow creates a record, then for each of three items takes one unit of
stock and pushes it to a loopback HTTP server; the second push is held by the
server, so the test knows for certain that the worker is inside that step when
it sends SIGKILL. A second worker then takes over once the lease has expired
and the sweeper has re-enqueued the run.

On the filesystem broker the killed worker's message is lost; on Redis (acks
late) it stays unacknowledged and may come back. Either way the database
decides: the run is claimed once per lease, and completed steps are read from
the journal instead of being done again.
"""

from __future__ import annotations

import os
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from django.utils import timezone
from kombu import pools

from apps.flows.engine import maintenance
from apps.flows.models import Run, RunStatus, StepRun, StepStatus
from apps.forms.models import Counter, CounterEntry, Record
from tests.support.workers import CeleryProcess, start_worker

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

HERE = Path(__file__).resolve().parent
LEASE_SECONDS = 3


def eventually(check: Callable[[], Any], *, what: str, processes: list[CeleryProcess],
               timeout: float = 90.0) -> Any:
    """Poll until ``check()`` is truthy; the deadline only bounds how long a broken setup takes to fail."""
    deadline = time.monotonic() + timeout
    while True:
        value = check()
        if value:
            return value
        if time.monotonic() > deadline or not all(p.running for p in processes):
            logs = "\n".join(f"--- {p.name} ---\n{p.log()[-4000:]}" for p in processes)
            raise AssertionError(f"{what} did not happen within {timeout:.0f} s\n{logs}")
        time.sleep(0.1)


@pytest.fixture
def fresh_broker_pools() -> Iterator[None]:
    """Empty kombu's process-wide pool registries before and after the worker fixtures.

    ``worker_env`` closes the app's connection pool at teardown, but kombu
    keeps that closed pool in its registry under the broker URL and hands it
    out again: on Redis (same URL every test) the next test that publishes
    from this process fails with "Acquire on closed pool". Request this
    fixture before ``worker_env`` so that it is torn down after it.
    """
    pools.reset()
    yield
    pools.reset()


@pytest.fixture
def crash_env(worker_env) -> dict[str, str]:
    """The worker environment plus a short lease and HTTP requests to loopback allowed."""
    path = os.pathsep.join(p for p in (str(HERE), worker_env.get("PYTHONPATH", "")) if p)
    return {**worker_env, "DJANGO_SETTINGS_MODULE": "crash_worker_settings", "PYTHONPATH": path,
            "WEFT_RUN_LEASE_SECONDS": str(LEASE_SECONDS)}


def test_a_killed_worker_run_resumes_elsewhere_without_repeating_effects(
        fresh_broker_pools, make, orders, stock, create_flow, start, loopback, crash_env, tmp_path):
    # given: stock of 10 and a flow with effects before, during and after a slow step
    item = make.record(stock, {"sku": "SKU-1", "available": 10})
    flow = create_flow([
        {"id": "order", "type": "record.create", "form": "orders", "data": {"title": "{{ input.title }}"}},
        {"id": "reserve", "type": "loop", "items": [0, 1, 2], "as": "i", "steps": [
            {"id": "take", "type": "counter.adjust", "form": "stock", "record": "{{ input.item }}",
             "field": "available", "delta": -1, "reason": "crash test"},
            {"id": "push", "type": "http.request", "method": "POST", "url": "{{ input.url }}/push/{{ i }}",
             "body": {"line": "{{ i }}"}, "timeout": 60},
        ]},
        {"id": "note", "type": "record.create", "form": "orders", "data": {"title": "after {{ input.title }}"}},
        {"id": "done", "type": "set", "variables": {"order": "{{ steps.order.id }}"}},
    ])
    loopback.hold("/push/1")
    first = start_worker(crash_env, tmp_path, concurrency=1)
    try:
        # when: the worker is inside the second push (the server holds the request)...
        run = start(flow, title="crash-test", item=item.pk, url=loopback.url)
        assert loopback.arrived.wait(timeout=90), f"the worker never reached the slow step\n{first.log()[-4000:]}"
        # ...and is killed like an OOM kill would
        first.kill()
    finally:
        first.stop()
    loopback.release.set()

    # then: the run is left running, with the dead worker's lease, the held step started and not finished
    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    assert run.lease_owner and run.lease_expires_at is not None
    before = {row.path: row for row in StepRun.objects.filter(run=run)}
    assert before["order"].status == StepStatus.SUCCEEDED
    assert before["reserve[0].take"].status == before["reserve[0].push"].status == StepStatus.SUCCEEDED
    assert before["reserve[1].take"].status == StepStatus.SUCCEEDED
    assert before["reserve[1].push"].status == StepStatus.RUNNING
    assert "reserve[2].take" not in before and "note" not in before
    assert Record.objects.filter(form=orders, data__title="crash-test").count() == 1

    second = start_worker(crash_env, tmp_path, concurrency=1)
    try:
        eventually(lambda: Run.objects.filter(pk=run.pk, lease_expires_at__lt=timezone.now()).exists(),
                   what="the dead worker's lease to expire", processes=[second])
        # when: the sweeper finds the expired lease and re-enqueues the run
        maintenance.sweep()
        done = eventually(lambda: Run.objects.filter(pk=run.pk, status__in=[RunStatus.SUCCEEDED, RunStatus.FAILED])
                          .first(), what="the resumed run to finish", processes=[second])
    finally:
        second.stop()

    # then: the run completed on the second worker...
    assert done.status == RunStatus.SUCCEEDED, done.error
    assert done.attempts == 2 and done.lease_owner == "" and done.lease_expires_at is None
    assert done.variables["order"] == Record.objects.get(form=orders, data__title="crash-test").pk
    # ...every effect happened exactly once...
    assert Record.objects.filter(form=orders, data__title="crash-test").count() == 1
    assert Record.objects.filter(form=orders, data__title="after crash-test").count() == 1
    counter = Counter.objects.get(record=item, field="available")
    assert counter.value == 7
    keys = list(CounterEntry.objects.filter(counter=counter).values_list("key", flat=True))
    assert sorted(keys) == sorted(f"run:{run.pk}:reserve[{i}].take" for i in range(3))
    # ...except the step that was in flight, which is sent again with the same idempotency key
    assert [len(loopback.calls(f"/push/{i}")) for i in range(3)] == [1, 2, 1]
    resent = {call["headers"]["Idempotency-Key"] for call in loopback.calls("/push/1")}
    assert resent == {f"run:{run.pk}:reserve[1].push"}
    # and the step rows tell the story: completed steps kept their first (and only) execution
    after = {row.path: row for row in StepRun.objects.filter(run=run)}
    assert all(row.status == StepStatus.SUCCEEDED for row in after.values())
    for path in ("order", "reserve[0].take", "reserve[0].push", "reserve[1].take"):
        assert (after[path].pk, after[path].attempts, after[path].finished_at) == \
            (before[path].pk, 1, before[path].finished_at), path
    assert after["reserve[1].push"].pk == before["reserve[1].push"].pk
    assert after["reserve[1].push"].attempts == 2
    assert {"reserve[2].take", "reserve[2].push", "reserve", "note", "done"} <= set(after)
    assert after["reserve"].output == {"count": 3}

