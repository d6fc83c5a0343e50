"""Steps that park the run: delay, parallel with a waiting branch, wait for a record, call_flow, approval."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from apps.accounts.models import Role
from apps.flows.engine import maintenance
from apps.flows.engine.children import wake
from apps.flows.models import Notification, Run, RunStatus, StepRun, Wait
from apps.flows.steps.approval import AlreadyDecided, NotAnApprover, decide
from apps.forms.models import Record
from apps.forms.services.records import update_record


@pytest.fixture
def alerts(make, workspace):
    return make.form(workspace, [{"key": "text", "type": "text"}], key="alerts")


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, [{"key": "no", "type": "text"}, {"key": "status", "type": "text"}], key="orders")


def test_delay_parks_and_resumes_after_wake_due(flows, engine):
    run = flows.run([
        {"id": "hold", "type": "delay", "minutes": 15},
        {"id": "after", "type": "set", "variables": {"released": True}},
    ])

    assert run.status == RunStatus.WAITING
    wait = Wait.objects.get(run=run)
    assert wait.kind == "delay" and wait.path == "hold"
    assert timedelta(minutes=14) < wait.wake_at - timezone.now() <= timedelta(minutes=15)
    assert run.wake_at == wait.wake_at
    assert maintenance.wake_due() == 0

    flows.due(run)
    assert maintenance.wake_due() == 1 and engine == [run.pk]
    run = flows.execute(run)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert "woke_at" in flows.output(run, "hold")
    assert run.variables == {"released": True}


def test_delay_until_a_past_time_does_not_park(flows):
    run = flows.run([{"id": "hold", "type": "delay", "until": "{{ input.at }}"}],
                    {"at": (timezone.now() - timedelta(hours=1)).isoformat()})

    assert run.status == RunStatus.SUCCEEDED, run.error


def test_parallel_branches_run_while_one_waits(flows, alerts):
    run = flows.run([
        {"id": "both", "type": "parallel", "branches": [
            [{"id": "pause", "type": "delay", "hours": 1},
             {"id": "late", "type": "record.create", "form": "alerts", "data": {"text": "late"}}],
            [{"id": "now", "type": "record.create", "form": "alerts", "data": {"text": "now"}}],
        ]},
        {"id": "joined", "type": "set", "variables": {"joined": True}},
    ])

    assert run.status == RunStatus.WAITING
    assert [r.data["text"] for r in Record.objects.filter(form=alerts)] == ["now"]
    assert StepRun.objects.get(run=run, path="both.b1.now").status == "succeeded"
    assert not StepRun.objects.filter(run=run, path="both").exists()

    flows.due(run)
    run = flows.execute(run)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert sorted(r.data["text"] for r in Record.objects.filter(form=alerts)) == ["late", "now"]
    assert flows.output(run, "both") == {"branches": 2}
    assert run.variables == {"joined": True}


def wait_for_paid(**extra):
    return {"id": "paid", "type": "wait", "form": "orders", "record": "{{ input.id }}",
            "condition": "record.status == 'paid'", "timeout_seconds": 3600, **extra}


def test_wait_is_resolved_by_an_event_and_resumes(flows, make, orders, engine):
    order = make.record(orders, {"no": "O-1", "status": "new"})
    run = flows.run([wait_for_paid(), {"id": "ship", "type": "set", "variables": {"ship": "{{ steps.paid.record.no }}"}}],
                    {"id": order.pk})

    assert run.status == RunStatus.WAITING
    wait = Wait.objects.get(run=run, path="paid")
    assert wait.kind == "event"
    assert wait.match == {"form_id": orders.pk, "record_id": order.pk, "condition": "record.status == 'paid'"}

    Wait.objects.filter(pk=wait.pk).update(resolved_at=timezone.now(),
                                           result={"record": {"no": "O-1", "status": "paid"}})
    wake(run.pk)
    run = flows.execute(run)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert flows.output(run, "paid") == {"record": {"no": "O-1", "status": "paid"}}
    assert run.variables == {"ship": "O-1"}


def test_wait_completes_at_once_when_the_condition_already_holds(flows, make, orders):
    order = make.record(orders, {"no": "O-2", "status": "paid"})
    run = flows.run([wait_for_paid()], {"id": order.pk})

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert flows.output(run, "paid") == {"record": {"no": "O-2", "status": "paid"}}


def test_woken_wait_checks_the_record_again(flows, make, orders, owner):
    order = make.record(orders, {"no": "O-3", "status": "new"})
    run = flows.run([wait_for_paid()], {"id": order.pk})
    update_record(order, {"status": "paid"}, member=owner)

    wake(run.pk)
    run = flows.execute(run)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert flows.output(run, "paid")["record"]["status"] == "paid"


def test_wait_timeout_runs_on_timeout_steps(flows, make, orders, alerts):
    order = make.record(orders, {"no": "O-4", "status": "new"})
    run = flows.run([wait_for_paid(on_timeout=[
        {"id": "chase", "type": "record.create", "form": "alerts", "data": {"text": "unpaid {{ input.id }}"}}])],
        {"id": order.pk})
    assert run.status == RunStatus.WAITING

    flows.due(run)
    maintenance.wake_due()
    run = flows.execute(run)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert flows.output(run, "paid") == {"timed_out": True}
    assert StepRun.objects.get(run=run, path="paid.timeout.chase").status == "succeeded"
    assert Record.objects.get(form=alerts).data["text"] == f"unpaid {order.pk}"


@pytest.fixture
def child(flows):
    return flows.create([
        {"id": "double", "type": "set", "variables": {"x": "{{ input.n * 2 }}"}},
        {"id": "check", "type": "branch", "conditions": [
            {"when": "input.n < 0", "steps": [{"id": "no", "type": "fail", "message": "n is {{ input.n }}"}]}]},
    ], key="child", output={"double": "{{ vars.x }}"})


def test_call_flow_waits_for_the_child_and_uses_its_output(flows, child, engine,
                                                           django_capture_on_commit_callbacks):
    parent_flow = flows.create([
        {"id": "call", "type": "call_flow", "flow": "child", "input": {"n": "{{ input.n }}"}},
        {"id": "use", "type": "set", "variables": {"got": "{{ steps.call.double }}"}},
    ], key="parent")
    parent = flows.execute(flows.start(parent_flow, {"n": 21}))

    assert parent.status == RunStatus.WAITING
    kid = Run.objects.get(flow=child)
    assert kid.parent_id == parent.pk and kid.parent_step == "call"
    assert kid.input["n"] == 21 and kid.trigger["type"] == "call"

    with django_capture_on_commit_callbacks(execute=True):
        kid = flows.execute(kid)
    assert kid.status == RunStatus.SUCCEEDED, kid.error
    assert parent.pk in engine

    parent = flows.execute(parent)
    assert parent.status == RunStatus.SUCCEEDED, parent.error
    assert flows.output(parent, "call") == {"double": 42}
    assert parent.variables == {"got": 42}
    assert Run.objects.filter(flow=child).count() == 1


def test_call_flow_fails_when_the_child_fails(flows, child):
    parent_flow = flows.create([{"id": "call", "type": "call_flow", "flow": "child", "input": {"n": -1},
                                 "retry": {"attempts": 3, "delay_seconds": 0}}], key="parent")
    parent = flows.execute(flows.start(parent_flow))
    flows.execute(Run.objects.get(flow=child))
    parent = flows.execute(parent)

    assert parent.status == RunStatus.FAILED
    assert parent.error["code"] == "child_failed" and "n is -1" in parent.error["message"]
    assert parent.error["child_error"]["code"] == "flow_failed"
    assert StepRun.objects.get(run=parent, path="call").attempts == 1
    assert Run.objects.filter(flow=child).count() == 1


def test_resumed_parent_does_not_start_a_second_child(flows, child):
    parent_flow = flows.create([{"id": "call", "type": "call_flow", "flow": "child", "input": {"n": 1}}])
    parent = flows.execute(flows.start(parent_flow))
    wake(parent.pk)
    parent = flows.execute(parent)

    assert parent.status == RunStatus.WAITING
    assert Run.objects.filter(flow=child).count() == 1


@pytest.fixture
def clerk(make, workspace):
    return make.member(workspace, Role.MEMBER, user=make.user("clerk", email="clerk@example.com"))


def approval_flow(flows, **extra):
    return flows.create([
        {"id": "approve", "type": "approval", "approvers": ["owner", "clerk"], "title": "Refund {{ input.amount }}",
         "body": "{% if input.amount > 100 %}Large refund{% else %}Refund{% endif %} for {{ input.order }}",
         "timeout_seconds": 3600, **extra},
        {"id": "route", "type": "branch", "conditions": [
            {"when": "steps.approve.decision == 'approved'", "steps": [
                {"id": "ok", "type": "set", "variables": {"refund": True}}]}],
         "else": [{"id": "no", "type": "set", "variables": {"refund": False}}]},
    ])


def test_approval_notifies_approvers_and_resumes_on_decision(flows, owner, clerk, make, workspace, engine,
                                                             django_capture_on_commit_callbacks):
    outsider = make.member(workspace, Role.MEMBER)
    with django_capture_on_commit_callbacks(execute=True):
        run = flows.execute(flows.start(approval_flow(flows), {"amount": 250, "order": "O-9"}))

    assert run.status == RunStatus.WAITING
    wait = Wait.objects.get(run=run, kind="approval")
    assert wait.match == {"approvers": [owner.pk, clerk.pk], "title": "Refund 250"}
    notes = Notification.objects.filter(run=run).order_by("member_id")
    assert [n.member_id for n in notes] == [owner.pk, clerk.pk]
    assert notes[0].body == "Large refund for O-9" and notes[0].link == f"/approvals/{wait.pk}"
    assert [m.to for m in mail.outbox] == [["clerk@example.com"]]

    with pytest.raises(NotAnApprover):
        decide(wait.pk, outsider, "approved")
    with django_capture_on_commit_callbacks(execute=True):
        decide(wait.pk, clerk, "approve", "fine")
    assert engine == [run.pk]
    with pytest.raises(AlreadyDecided):
        decide(wait.pk, owner, "rejected")

    run = flows.execute(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert flows.output(run, "approve") == {"decision": "approved", "by": clerk.pk, "comment": "fine"}
    assert run.variables == {"refund": True}
    assert Notification.objects.filter(run=run).count() == 2


def test_approval_timeout_rejects_by_default(flows, clerk):
    run = flows.execute(flows.start(approval_flow(flows), {"amount": 5, "order": "O-10"}))
    flows.due(run)
    run = flows.execute(run)

    assert run.status == RunStatus.SUCCEEDED, run.error
    out = flows.output(run, "approve")
    assert out["decision"] == "rejected" and out["timed_out"] is True and out["by"] is None
    assert run.variables == {"refund": False}


def test_approval_timeout_can_fail_the_run(flows, clerk):
    run = flows.execute(flows.start(approval_flow(flows, on_timeout="fail"), {"amount": 5, "order": "O-11"}))
    flows.due(run)
    run = flows.execute(run)

    assert run.status == RunStatus.FAILED
    assert run.error["code"] == "approval_timed_out"


def test_loop_iterations_may_wait_and_completed_ones_are_not_repeated(flows, alerts):
    flow = flows.create([{"id": "each", "type": "loop", "items": "{{ input.skus }}", "steps": [
        {"id": "note", "type": "record.create", "form": "alerts", "data": {"text": "{{ index }}:{{ item }}"}},
        {"id": "pause", "type": "delay", "minutes": 5}]}])
    run = flows.execute(flows.start(flow, {"skus": ["A1", "B2"]}))

    texts = lambda: sorted(r.data["text"] for r in Record.objects.filter(form=alerts))  # noqa: E731
    assert run.status == RunStatus.WAITING and texts() == ["0:A1"]
    flows.due(run)
    run = flows.execute(run)
    assert run.status == RunStatus.WAITING and texts() == ["0:A1", "1:B2"]
    assert Wait.objects.get(run=run, path="each[1].pause").resolved_at is None

    flows.due(run)
    run = flows.execute(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert texts() == ["0:A1", "1:B2"]
    assert flows.output(run, "each") == {"count": 2}
