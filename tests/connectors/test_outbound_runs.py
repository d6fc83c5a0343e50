"""Finished runs as outbound events: sent to subscribers of run.succeeded / run.failed, free for everyone else."""

from __future__ import annotations

import json

import pytest

from apps.connectors.outbound import run_events, subscribers
from apps.connectors.outbound.subscriptions import delete_subscription
from apps.flows.engine import runner
from apps.flows.models import RunStatus
from apps.forms.models import Event
from tests.connectors import test_outbound_signing as shared
from tests.connectors.test_outbound_signing import deliver, verified

# Fixtures of the outbound tests, defined once with the receiver and requested by name.
fresh_subscribers, reachable, receiver, subscribe = (
    shared.fresh_subscribers, shared.reachable, shared.receiver, shared.subscribe)


@pytest.fixture
def run_flow(make, workspace, owner):
    """``run_flow(key, steps)``: a manual flow run to its end in this process; returns the run."""

    def run(key: str, steps: list[dict]):
        flow = make.flow(workspace, key=key, name=key.title(), steps=steps)
        started = runner.start_run(flow, trigger={"type": "manual"}, input_={}, actor=owner)
        runner.execute(started.pk)
        started.refresh_from_db()
        return started

    return run


FAILING = [{"id": "stop", "type": "fail", "message": "no stock for {{ 'SKU-1' }}"}]
PASSING = [{"id": "note", "type": "set", "variables": {"done": True}}]


def test_a_failed_run_reaches_a_subscriber_of_run_failed(subscribe, run_flow, receiver, reachable):
    _sub, secret = subscribe("/alerts", events=["run.failed"])
    failed = run_flow("reserve", FAILING)
    run_flow("tidy", PASSING)
    assert failed.status == RunStatus.FAILED

    assert deliver() == 1
    (request,) = receiver.calls("/alerts")
    assert verified(request, secret)
    body = json.loads(request["body"])
    assert body["type"] == "run.failed"
    assert body["data"]["run"] == failed.pk and body["data"]["flow"] == "reserve"
    assert body["data"]["status"] == "failed" and body["data"]["error"]["message"] == "no stock for SKU-1"


def test_a_succeeded_run_reaches_a_subscriber_of_run_succeeded(subscribe, run_flow, receiver, reachable):
    subscribe("/done", events=["run.succeeded"])
    done = run_flow("tidy", PASSING)
    run_flow("reserve", FAILING)
    deliver()
    (request,) = receiver.calls("/done")
    body = json.loads(request["body"])
    assert body["type"] == "run.succeeded" and body["data"]["run"] == done.pk and body["data"]["error"] is None


def test_no_event_is_written_for_runs_when_nobody_subscribes_to_them(make, subscribe, run_flow):
    subscribe(events=["record.created"])
    subscribe(events=["run.failed"], ws=make.workspace())
    run_flow("reserve", FAILING)
    run_flow("tidy", PASSING)
    assert not Event.objects.filter(type__startswith="run.").exists()


def test_with_a_warm_cache_a_finished_run_costs_no_query(workspace, run_flow, django_assert_num_queries):
    run = run_flow("tidy", PASSING)
    subscribers.run_types(workspace.pk)
    with django_assert_num_queries(0):
        run_events.run_finished(run, RunStatus.SUCCEEDED, None)
        run_events.run_finished(run, RunStatus.FAILED, {"message": "x"})


def test_subscribing_and_unsubscribing_take_effect_at_once_in_this_process(workspace, owner, subscribe, run_flow):
    assert subscribers.run_types(workspace.pk) == frozenset()  # cached: nobody subscribes
    sub, _ = subscribe(events=["run.failed"])
    run_flow("reserve", FAILING)
    assert Event.objects.filter(type="run.failed").count() == 1

    delete_subscription(sub, member=owner)
    run_flow("reserve_again", FAILING)
    assert Event.objects.filter(type="run.failed").count() == 1


def test_a_run_failed_on_its_trigger_condition_is_reported_too(make, workspace, owner, subscribe, receiver,
                                                               reachable):
    orders = make.form(workspace, [{"key": "title", "type": "text"}], key="orders")
    flow = make.flow(workspace, key="big_orders",
                     trigger={"type": "record", "form": "orders", "condition": "record.title > 3"})
    subscribe("/alerts", events=["run.failed"])
    make.record(orders, {"title": "A"})
    deliver()  # dispatch: the condition fails, a failed run and its event are written
    deliver()  # the run event itself is dispatched and sent

    (request,) = receiver.calls("/alerts")
    body = json.loads(request["body"])
    assert body["type"] == "run.failed" and body["data"]["flow"] == flow.key
    assert body["data"]["error"]["code"] == "trigger_condition_failed"
