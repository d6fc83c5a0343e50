"""Runs over their life: failure and retry, backoff, on_error, cancel, versions, concurrency, breaker, upkeep.

Runs are executed in-process by ``engine.drain()`` (what a worker would do
with the messages ``engine.enqueued`` holds), on a transactional test
database so that commits, and the ``on_commit`` hooks behind them, happen as
in production. Timers are made due by moving them into the past.
"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import connection
from django.utils import timezone

from apps.flows import services
from apps.flows.engine import maintenance, runner
from apps.flows.models import Flow, Notification, Run, RunStatus, StepRun, StepStatus, Wait
from apps.forms.models import Counter, CounterEntry, Record

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.usefixtures("engine")]

SET_STEP = {"id": "work", "type": "set", "variables": {"n": "{{ input.n }}"}}


def _refresh(run: Run) -> Run:
    run.refresh_from_db()
    return run


# --- failure, retry from the failed step --------------------------------------------------------

def test_a_failed_run_is_retried_from_its_failed_step_once_the_cause_is_fixed(
        api, make, orders, stock, create_flow, start, engine, loopback, loopback_allowed):
    item = make.record(stock, {"sku": "A", "available": 5})
    flow = create_flow([
        {"id": "order", "type": "record.create", "form": "orders", "data": {"title": "retry me"}},
        {"id": "take", "type": "counter.adjust", "form": "stock", "record": "{{ input.item }}",
         "field": "available", "delta": -2},
        {"id": "push", "type": "http.request", "method": "POST", "url": loopback.url + "/push",
         "body": {"order": "{{ steps.order.id }}"}},
        {"id": "done", "type": "set", "variables": {"pushed": "{{ steps.push.status }}"}},
    ])
    loopback.answer("/push", (500, {"error": "warehouse down"}))
    run = start(flow, item=item.pk)
    engine.drain()

    # the run failed at the push: the error names the step, and the failed step row keeps it
    run = _refresh(run)
    assert run.status == RunStatus.FAILED and run.finished_at is not None
    assert run.error["step"] == "push" and run.error["path"] == "push"
    assert run.error["code"] == "http_status" and run.error["status"] == 500
    before = engine.steps(run)
    assert before["push"].status == StepStatus.FAILED and "answered 500" in before["push"].error["message"]
    assert "done" not in before

    # when: the cause is fixed and the run retried through the API
    loopback.answer("/push", (200, {"ok": True}))
    response = api.post(f"/api/v1/runs/{run.pk}/retry/")
    assert response.status_code == 202, response.json()
    assert response.json()["status"] == RunStatus.QUEUED and response.json()["error"] is None
    engine.drain()

    # then: it succeeds, and the steps before the failed one were not done again
    run = _refresh(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.variables["pushed"] == 200 and run.attempts == 2
    after = engine.steps(run)
    for path in ("order", "take"):
        assert (after[path].pk, after[path].attempts, after[path].finished_at) == \
            (before[path].pk, 1, before[path].finished_at)
    assert after["push"].status == StepStatus.SUCCEEDED and after["done"].status == StepStatus.SUCCEEDED
    assert Record.objects.filter(form=orders).count() == 1
    counter = Counter.objects.get(record=item, field="available")
    assert counter.value == 3
    assert list(CounterEntry.objects.filter(counter=counter).values_list("key", flat=True)) == [f"run:{run.pk}:take"]
    assert {c["headers"]["Idempotency-Key"] for c in loopback.calls("/push")} == {f"run:{run.pk}:push"}

    # a run that did not fail cannot be retried
    again = api.post(f"/api/v1/runs/{run.pk}/retry/")
    assert again.status_code == 409 and again.json()["code"] == "run_not_retryable"


def test_a_retried_run_fails_again_if_the_cause_is_not_fixed(create_flow, start, engine):
    flow = create_flow([{"id": "first", "type": "set", "variables": {"a": 1}},
                        {"id": "stop_here", "type": "fail", "message": "missing {{ input.what }}"}])
    run = start(flow, what="invoice")
    engine.drain()
    assert _refresh(run).error["message"] == "missing invoice"
    assert runner.retry(run)
    engine.drain()
    run = _refresh(run)
    assert run.status == RunStatus.FAILED and run.error["step"] == "stop_here"
    assert StepRun.objects.get(run=run, path="first").attempts == 1


# --- retry policy with backoff ------------------------------------------------------------------

def test_a_retry_policy_parks_the_run_with_backoff_and_resumes_after_wake_due(
        create_flow, start, engine, loopback, loopback_allowed):
    flow = create_flow([
        {"id": "push", "type": "http.request", "method": "POST", "url": loopback.url + "/push", "body": {},
         "retry": {"attempts": 3, "delay_seconds": 30, "backoff": 2}},
        {"id": "done", "type": "set", "variables": {"ok": True}},
    ])
    loopback.answer("/push", (503, {}), (502, {}), (200, {"stored": True}))
    run = start(flow)
    engine.drain()

    # attempt 1 failed: the run waits for a retry timer instead of failing or spinning
    run = _refresh(run)
    assert run.status == RunStatus.WAITING and run.lease_owner == ""
    first = Wait.objects.get(run=run, kind=Wait.Kind.RETRY)
    assert first.path == "push~retry1" and first.resolved_at is None
    assert run.wake_at == first.wake_at and first.wake_at > timezone.now()
    first_delay = (first.wake_at - first.created_at).total_seconds()
    assert 25 < first_delay <= 30
    row = StepRun.objects.get(run=run, path="push")
    assert row.status == StepStatus.FAILED and row.attempts == 1 and row.error["attempt"] == 1

    # before the timer is due: nothing wakes it, and a stray message does not run it
    assert maintenance.wake_due() == 0 and engine.enqueued == []
    assert runner.execute(run.pk) is None
    assert len(loopback.calls("/push")) == 1

    # due: attempt 2 fails too, and waits longer (backoff)
    engine.due(run)
    assert maintenance.wake_due() == 1 and engine.enqueued == [run.pk]
    engine.drain()
    run = _refresh(run)
    assert run.status == RunStatus.WAITING
    second = Wait.objects.get(run=run, path="push~retry2")
    first.refresh_from_db()
    assert first.resolved_at is not None
    second_delay = (second.wake_at - second.created_at).total_seconds()
    assert 55 < second_delay <= 60  # 30 s × backoff 2

    # due again: attempt 3 succeeds and the run goes on
    engine.due(run)
    maintenance.wake_due()
    engine.drain()
    run = _refresh(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    row = StepRun.objects.get(run=run, path="push")
    assert row.status == StepStatus.SUCCEEDED and row.attempts == 3 and row.output["body"] == {"stored": True}
    assert run.variables == {"ok": True}
    calls = loopback.calls("/push")
    assert len(calls) == 3 and len({c["headers"]["Idempotency-Key"] for c in calls}) == 1


def test_when_the_attempts_are_spent_the_run_fails(create_flow, start, engine, loopback, loopback_allowed):
    flow = create_flow([{"id": "push", "type": "http.request", "url": loopback.url + "/down",
                         "retry": {"attempts": 2, "delay_seconds": 60}}])
    loopback.answer("/down", (500, {}))
    run = start(flow)
    engine.drain()
    engine.due(run)
    maintenance.wake_due()
    engine.drain()
    run = _refresh(run)
    assert run.status == RunStatus.FAILED and run.error["attempt"] == 2 and run.error["step"] == "push"
    assert len(loopback.calls("/down")) == 2
    assert not Wait.objects.filter(run=run, resolved_at__isnull=True).exists()


# --- on_error -----------------------------------------------------------------------------------

def test_on_error_continue_and_branch_let_the_run_finish(make, workspace, create_flow, start, engine):
    alerts = make.form(workspace, [{"key": "text", "type": "text"}], key="alerts")
    flow = create_flow([
        {"id": "charge", "type": "fail", "message": "card declined", "on_error": "continue"},
        {"id": "why", "type": "set", "variables": {"reason": "{{ steps.charge.error.message }}"}},
        {"id": "pick", "type": "fail", "message": "out of stock",
         "on_error": {"action": "branch", "steps": [
             {"id": "alert", "type": "record.create", "form": "alerts", "data": {"text": "{{ error.message }}"}}]}},
        {"id": "done", "type": "set", "variables": {"handled": "{{ steps.pick.handled }}"}},
    ])
    run = start(flow)
    engine.drain()
    run = _refresh(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.variables == {"reason": "card declined", "handled": True}
    rows = engine.steps(run)
    assert rows["charge"].status == StepStatus.SUCCEEDED and rows["charge"].output["error"]["code"] == "flow_failed"
    assert rows["pick.on_error.alert"].status == StepStatus.SUCCEEDED
    assert list(Record.objects.filter(form=alerts).values_list("data__text", flat=True)) == ["out of stock"]
    assert Flow.objects.get(pk=flow.pk).consecutive_failures == 0


def test_without_on_error_a_failed_step_ends_the_run(create_flow, start, engine):
    flow = create_flow([{"id": "pick", "type": "fail", "message": "out of stock"},
                        {"id": "never", "type": "set", "variables": {"x": 1}}])
    run = start(flow)
    engine.drain()
    run = _refresh(run)
    assert run.status == RunStatus.FAILED and run.error["message"] == "out of stock"
    assert "never" not in engine.steps(run)


# --- cancel -------------------------------------------------------------------------------------

@pytest.fixture
def parent_and_child(create_flow):
    child = create_flow([{"id": "hold", "type": "delay", "hours": 1},
                         {"id": "answer", "type": "set", "variables": {"x": 1}}],
                        trigger={"type": "call"}, key="child", output={"ok": True})
    parent = create_flow([{"id": "call", "type": "call_flow", "flow": "child", "input": {"n": 1}},
                          {"id": "after", "type": "set", "variables": {"after": True}}], key="parent")
    return parent, child


def test_cancelling_a_waiting_child_removes_its_waits_and_fails_the_parent(api, parent_and_child, start, engine):
    parent_flow, child_flow = parent_and_child
    parent = start(parent_flow)
    engine.drain()
    parent = _refresh(parent)
    child = Run.objects.get(flow=child_flow)
    assert parent.status == RunStatus.WAITING and child.status == RunStatus.WAITING
    assert child.parent_id == parent.pk
    assert Wait.objects.filter(run=child, kind=Wait.Kind.DELAY).exists()
    assert Wait.objects.filter(run=parent, kind=Wait.Kind.CHILD, resolved_at__isnull=True).exists()

    response = api.post(f"/api/v1/runs/{child.pk}/cancel/")
    assert response.status_code == 200, response.json()
    assert response.json()["status"] == RunStatus.CANCELLED

    child = _refresh(child)
    assert child.status == RunStatus.CANCELLED and child.finished_at is not None and child.lease_owner == ""
    assert not Wait.objects.filter(run=child).exists()
    resolved = Wait.objects.get(run=parent, kind=Wait.Kind.CHILD)
    assert resolved.resolved_at is not None and resolved.result["status"] == RunStatus.CANCELLED
    assert engine.enqueued == [parent.pk]  # the parent is woken at once, not at its next timer

    engine.drain()
    parent = _refresh(parent)
    assert parent.status == RunStatus.FAILED
    assert parent.error["code"] == "child_failed" and "cancelled" in parent.error["message"]
    assert parent.error["child_run"] == child.pk
    assert "after" not in engine.steps(parent)

    again = api.post(f"/api/v1/runs/{child.pk}/cancel/")
    assert again.status_code == 409 and again.json()["code"] == "run_not_active"


def test_a_cancelled_waiting_run_is_not_woken_by_its_timer(create_flow, start, engine):
    flow = create_flow([{"id": "hold", "type": "delay", "minutes": 15},
                        {"id": "release", "type": "set", "variables": {"released": True}}])
    run = start(flow)
    engine.drain()
    assert _refresh(run).status == RunStatus.WAITING
    assert runner.cancel(run)
    assert not Wait.objects.filter(run=run).exists()
    engine.due(run)
    maintenance.wake_due()
    engine.drain()
    run = _refresh(run)
    assert run.status == RunStatus.CANCELLED and run.variables == {}
    assert not runner.cancel(run)


def test_a_running_run_stops_at_the_next_step_once_cancelled(create_flow, start, engine, loopback,
                                                            loopback_allowed):
    """The cancel comes from another connection while the worker is inside a step (the HTTP call)."""
    flow = create_flow([{"id": "call", "type": "http.request", "url": loopback.url + "/slow"},
                        {"id": "after", "type": "set", "variables": {"after": True}}])
    run = start(flow)

    def cancel_from_elsewhere() -> None:  # in the server's thread, on its own database connection
        try:
            runner.cancel(Run.objects.get(pk=run.pk))
        finally:
            connection.close()

    loopback.on_request("/slow", cancel_from_elsewhere)
    engine.drain()
    run = _refresh(run)
    assert run.status == RunStatus.CANCELLED
    assert "after" not in engine.steps(run) and run.variables == {}


# --- versions -----------------------------------------------------------------------------------

def test_a_running_flow_finishes_on_the_version_it_started_with(workspace, owner, create_flow, start, engine):
    steps = [{"id": "hold", "type": "delay", "hours": 1},
             {"id": "label", "type": "set", "variables": {"version": "one"}}]
    flow = create_flow(steps, key="versioned")
    old = start(flow)
    engine.drain()
    assert _refresh(old).status == RunStatus.WAITING

    definition = {**flow.definition, "steps": [steps[0], {**steps[1], "variables": {"version": "two"}},
                                               {"id": "extra", "type": "set", "variables": {"more": True}}]}
    flow = services.update_flow(flow, definition, member=owner)
    assert flow.version == 2
    new = start(flow)
    engine.drain()

    for run in (old, new):
        engine.due(run)
    maintenance.wake_due()
    engine.drain()
    old, new = _refresh(old), _refresh(new)
    assert (old.flow_version, old.status, old.variables) == (1, RunStatus.SUCCEEDED, {"version": "one"})
    assert "extra" not in engine.steps(old)
    assert (new.flow_version, new.status, new.variables) == (2, RunStatus.SUCCEEDED,
                                                            {"version": "two", "more": True})


# --- concurrency --------------------------------------------------------------------------------

def _busy(flow: Flow) -> int:
    """Runs holding one of the flow's slots: running, or queued and already sent to the broker."""
    return Run.objects.filter(flow=flow).filter(status=RunStatus.RUNNING).count() + \
        Run.objects.filter(flow=flow, status=RunStatus.QUEUED, enqueued_at__isnull=False).count()


def test_a_concurrency_limit_keeps_the_rest_queued_and_finishing_one_sends_the_next(create_flow, start, engine):
    flow = create_flow([SET_STEP], settings={"concurrency": 2})
    runs = [start(flow, n=n) for n in range(10)]
    ids = [r.pk for r in runs]

    # only two of ten are sent to the broker; the others wait in the database
    assert engine.enqueued == ids[:2]
    assert _busy(flow) == 2
    assert Run.objects.filter(flow=flow, status=RunStatus.QUEUED, enqueued_at__isnull=True).count() == 8

    # nothing more is sent while both slots are taken, whoever asks
    assert runner.schedule_flow(flow.pk) == [] and maintenance.sweep()["flows"] == 1
    assert engine.enqueued == ids[:2]

    # finishing a run sends the next one, oldest first, never more than two at a time
    while engine.enqueued:
        assert _busy(flow) <= 2 and len(engine.enqueued) <= 2
        assert engine.step() == RunStatus.SUCCEEDED
    assert engine.executed == ids
    assert set(Run.objects.filter(flow=flow).values_list("status", flat=True)) == {RunStatus.SUCCEEDED}


def test_a_flood_on_one_flow_does_not_delay_another_flows_runs(create_flow, start, engine):
    flood = create_flow([SET_STEP], key="flood", settings={"concurrency": 2})
    other = create_flow([SET_STEP], key="other")
    flooded = [start(flood, n=n).pk for n in range(40)]
    mine = start(other, n=1).pk

    # the other flow's run is sent at once, right behind the two the flood may have in flight
    assert engine.enqueued == [*flooded[:2], mine]
    for _ in range(3):
        engine.step()
    assert Run.objects.get(pk=mine).status == RunStatus.SUCCEEDED
    assert Run.objects.filter(flow=flood, status=RunStatus.SUCCEEDED).count() == 2
    assert Run.objects.filter(flow=flood, status=RunStatus.QUEUED).count() == 38


# --- breaker ------------------------------------------------------------------------------------

def test_the_breaker_pauses_a_failing_flow_tells_its_owner_and_resume_lets_queued_runs_proceed(
        api, owner, create_flow, start, engine):
    flow = create_flow([
        {"id": "check", "type": "branch", "conditions": [
            {"when": "not input.ok", "steps": [{"id": "refuse", "type": "fail", "message": "bad order"}]}]},
        {"id": "done", "type": "set", "variables": {"ok": True}},
    ], key="fragile", settings={"breaker_threshold": 3})

    # a success between failures resets the count
    for ok in (False, False, True, False, False):
        start(flow, ok=ok)
    engine.drain()
    flow.refresh_from_db()
    assert flow.paused_at is None and flow.consecutive_failures == 2

    # the third failure in a row pauses the flow; runs already sent to the broker stay queued
    failing = start(flow, ok=False)
    waiting = [start(flow, ok=True) for _ in range(2)]
    assert engine.enqueued == [failing.pk, *(r.pk for r in waiting)]
    engine.drain()
    flow.refresh_from_db()
    assert flow.paused_at is not None and flow.consecutive_failures == 3
    assert "bad order" in flow.paused_reason
    assert _refresh(failing).status == RunStatus.FAILED
    assert [_refresh(r).status for r in waiting] == [RunStatus.QUEUED, RunStatus.QUEUED]
    note = Notification.objects.get(member=owner)
    assert flow.name in note.title and "bad order" in note.body

    # while paused nothing is sent, the sweeper neither
    later = start(flow, ok=True)
    maintenance.sweep()
    assert engine.enqueued == []
    assert api.get("/api/v1/flows/fragile/").json()["paused"] is True

    # resume: the queued runs proceed, oldest first
    response = api.post("/api/v1/flows/fragile/resume/")
    assert response.status_code == 200 and response.json()["paused"] is False
    assert engine.enqueued == [*(r.pk for r in waiting), later.pk]
    engine.drain()
    assert {_refresh(r).status for r in [*waiting, later]} == {RunStatus.SUCCEEDED}
    flow.refresh_from_db()
    assert flow.paused_at is None and flow.consecutive_failures == 0
    assert Notification.objects.filter(member=owner).count() == 1


# --- retention ----------------------------------------------------------------------------------

def test_purge_deletes_finished_runs_older_than_the_retention_and_keeps_active_ones(create_flow, start):
    short = create_flow([SET_STEP], key="short", settings={"retention_days": 7})
    default = create_flow([SET_STEP], key="default")
    now = timezone.now()

    def run_of(flow: Flow, status: str, days: float) -> Run:
        run = start(flow, n=1)
        finished = now - timedelta(days=days) if status in (RunStatus.SUCCEEDED, RunStatus.FAILED,
                                                            RunStatus.CANCELLED) else None
        Run.objects.filter(pk=run.pk).update(status=status, finished_at=finished,
                                             created_at=now - timedelta(days=days))
        StepRun.objects.create(run=run, path="work", step_id="work", step_type="set", status=StepStatus.SUCCEEDED)
        return run

    old = [run_of(short, status, 10) for status in (RunStatus.SUCCEEDED, RunStatus.FAILED, RunStatus.CANCELLED)]
    kept = [run_of(short, RunStatus.SUCCEEDED, 2), run_of(short, RunStatus.WAITING, 40),
            run_of(short, RunStatus.QUEUED, 40), run_of(default, RunStatus.SUCCEEDED, 10),
            run_of(default, RunStatus.FAILED, 20)]
    gone = run_of(default, RunStatus.SUCCEEDED, 31)

    assert maintenance.purge_old_runs()
    remaining = set(Run.objects.values_list("pk", flat=True))
    assert remaining == {r.pk for r in kept}
    assert not {r.pk for r in [*old, gone]} & remaining
    assert not StepRun.objects.exclude(run__in=kept).exists()


# --- sweeper and lease --------------------------------------------------------------------------

def test_the_sweeper_re_enqueues_a_queued_run_whose_message_was_lost(settings, create_flow, start, engine):
    flow = create_flow([SET_STEP])
    run = start(flow, n=1)
    assert engine.take() == [run.pk]  # ...and the broker loses it

    # a recent send may still be on its way: not sent twice
    maintenance.sweep()
    assert engine.enqueued == []

    # an old one is considered lost
    stale = timezone.now() - timedelta(seconds=settings.WEFT_RUN_LEASE_SECONDS + 5)
    Run.objects.filter(pk=run.pk).update(enqueued_at=stale)
    assert maintenance.sweep()["flows"] == 1
    assert engine.enqueued == [run.pk]
    engine.drain()
    assert _refresh(run).status == RunStatus.SUCCEEDED


def test_the_sweeper_enqueues_a_queued_run_that_was_never_sent(create_flow, start, engine):
    flow = create_flow([SET_STEP], settings={"concurrency": 1})
    runs = [start(flow, n=n) for n in range(3)]
    engine.take()
    # the process died between commit and send: nothing was ever enqueued for these
    Run.objects.filter(flow=flow).update(enqueued_at=None)
    maintenance.sweep()
    assert engine.enqueued == [runs[0].pk]  # still within the flow's concurrency
    engine.drain()
    assert [_refresh(r).status for r in runs] == [RunStatus.SUCCEEDED] * 3


def test_the_sweeper_takes_over_a_run_whose_lease_expired(create_flow, start, engine):
    flow = create_flow([{"id": "first", "type": "set", "variables": {"a": 1}},
                        {"id": "second", "type": "set", "variables": {"b": 2}}])
    run = start(flow)
    engine.take()
    claimed = runner.claim(run.pk, "dead-worker:1")
    assert claimed.status == RunStatus.RUNNING and claimed.lease_owner == "dead-worker:1"
    StepRun.objects.create(run=run, path="first", step_id="first", step_type="set", status=StepStatus.SUCCEEDED,
                           output={"a": "from the dead worker"}, attempts=1, finished_at=timezone.now())

    # a live lease is left alone: by the sweeper and by a stray message
    assert maintenance.sweep()["lost"] == 0 and engine.enqueued == []
    assert runner.execute(run.pk, "other-worker:2") is None

    Run.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert maintenance.sweep()["lost"] == 1
    assert engine.enqueued == [run.pk]
    engine.drain()
    run = _refresh(run)
    assert run.status == RunStatus.SUCCEEDED and run.attempts == 2
    rows = engine.steps(run)
    assert rows["first"].output == {"a": "from the dead worker"} and rows["second"].status == StepStatus.SUCCEEDED


def test_a_heartbeat_extends_only_the_lease_its_worker_holds(create_flow, start, engine):
    run = start(create_flow([SET_STEP]), n=1)
    first = runner.claim(run.pk, "worker-a")
    assert runner.claim(run.pk, "worker-b") is None
    Run.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    assert runner.heartbeat(first)  # still its lease: nobody took it over yet
    assert _refresh(run).lease_expires_at > timezone.now()

    Run.objects.filter(pk=run.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    second = runner.claim(run.pk, "worker-b")
    assert second is not None and second.lease_owner == "worker-b"
    assert not runner.heartbeat(first)
    assert runner.heartbeat(second)
    runner.cancel(second)
    assert not runner.heartbeat(second)


# --- runs started by call_flow ------------------------------------------------------------------

def test_a_child_that_ends_before_its_parent_has_parked_still_wakes_it(create_flow, start, engine, monkeypatch):
    """Deterministic interleaving: the child runs to its end between the parent's call step and its park."""
    create_flow([{"id": "answer", "type": "set", "variables": {"x": 1}}], trigger={"type": "call"}, key="quick",
                output={"answer": 42})
    parent_flow = create_flow([{"id": "call", "type": "call_flow", "flow": "quick"},
                               {"id": "after", "type": "set", "variables": {"got": "{{ steps.call.answer }}"}}])
    park = runner._park

    def child_first(run, state):
        child = Run.objects.get(parent=run)
        engine.enqueued.remove(child.pk)
        assert runner.execute(child.pk, "other-worker:1") == RunStatus.SUCCEEDED
        park(run, state)

    monkeypatch.setattr(runner, "_park", child_first)
    parent = start(parent_flow)
    engine.drain()
    parent = _refresh(parent)
    assert parent.status == RunStatus.SUCCEEDED, (parent.status, parent.wake_at, parent.error)
    assert parent.variables == {"got": 42}


def test_retrying_a_parent_whose_child_failed_retries_the_child_from_its_failed_step(
        make, orders, create_flow, start, engine, loopback, loopback_allowed):
    create_flow([{"id": "note", "type": "record.create", "form": "orders", "data": {"title": "child"}},
                 {"id": "push", "type": "http.request", "url": loopback.url + "/push"}],
                trigger={"type": "call"}, key="pusher", output={"status": "{{ steps.push.status }}"})
    parent_flow = create_flow([{"id": "call", "type": "call_flow", "flow": "pusher"},
                               {"id": "after", "type": "set", "variables": {"pushed": "{{ steps.call.status }}"}}])
    loopback.answer("/push", (500, {}))
    parent = start(parent_flow)
    engine.drain()
    parent, child = _refresh(parent), Run.objects.get(parent=parent)
    assert (parent.status, child.status) == (RunStatus.FAILED, RunStatus.FAILED)
    assert parent.error["code"] == "child_failed"

    loopback.answer("/push", (200, {}))
    assert runner.retry(parent)
    engine.drain()
    parent, child = _refresh(parent), _refresh(child)
    assert (parent.status, child.status) == (RunStatus.SUCCEEDED, RunStatus.SUCCEEDED), parent.error
    assert parent.variables == {"pushed": 200}
    assert Run.objects.filter(parent=parent).count() == 1
    assert Record.objects.filter(form=orders).count() == 1


def test_a_parent_retried_after_its_child_was_retried_on_its_own_uses_the_childs_new_result(
        create_flow, start, engine, loopback, loopback_allowed):
    create_flow([{"id": "push", "type": "http.request", "url": loopback.url + "/push"}],
                trigger={"type": "call"}, key="pusher", output={"status": "{{ steps.push.status }}"})
    parent_flow = create_flow([{"id": "call", "type": "call_flow", "flow": "pusher"}])
    loopback.answer("/push", (500, {}))
    parent = start(parent_flow)
    engine.drain()
    child = Run.objects.get(parent=parent)
    loopback.answer("/push", (200, {}))
    assert runner.retry(child)
    engine.drain()
    assert _refresh(child).status == RunStatus.SUCCEEDED
    assert _refresh(parent).status == RunStatus.FAILED  # a failed run is never resumed behind its owner's back
    assert runner.retry(parent)
    engine.drain()
    parent = _refresh(parent)
    assert parent.status == RunStatus.SUCCEEDED, parent.error
    assert StepRun.objects.get(run=parent, path="call").output == {"status": 200}
    assert len(loopback.calls("/push")) == 2
