"""set, branch, stop, fail, notify, and the interpreter's on_error paths around them."""

from __future__ import annotations

import pytest
from django.core import mail

from apps.accounts.models import Role
from apps.flows.engine import runner
from apps.flows.models import Notification, Run, RunStatus, StepRun
from apps.forms.models import Record


def test_set_keeps_decimals_exact_and_later_steps_build_on_it(flows):
    run = flows.run([
        {"id": "calc", "type": "set", "variables": {"subtotal": "{{ decimal(input.price) * input.qty }}",
                                                    "label": "order {{ input.no }}"}},
        {"id": "more", "type": "set", "variables": {"total": "{{ decimal(vars.subtotal) + decimal('0.01') }}",
                                                    "subtotal": "{{ vars.label }}", "label": "{{ vars.subtotal }}"}},
    ], {"price": "0.10", "qty": 3, "no": "O-1"})

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert flows.output(run, "calc") == {"subtotal": "0.30", "label": "order O-1"}
    assert run.variables == {"subtotal": "order O-1", "total": "0.31", "label": "0.30"}


def test_set_variables_survive_a_crash_after_the_step(flows, monkeypatch):
    flow = flows.create([{"id": "calc", "type": "set", "variables": {"a": 1}},
                         {"id": "use", "type": "set", "variables": {"b": "{{ vars.a + 1 }}"}}])
    run = flows.start(flow)
    real = runner.interpreter.run_step

    def crash_on_use(step, state, prefix, scope):
        if step["id"] == "use":
            raise KeyboardInterrupt
        return real(step, state, prefix, scope)

    monkeypatch.setattr(runner.interpreter, "run_step", crash_on_use)
    with pytest.raises(KeyboardInterrupt):
        runner.execute(run.pk)
    monkeypatch.undo()

    Run.objects.filter(pk=run.pk).update(lease_expires_at=Run.objects.get(pk=run.pk).lease_expires_at.replace(year=2000))
    run = flows.execute(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.variables == {"a": 1, "b": 2}


def test_branch_takes_the_first_true_condition_and_none_without_else(flows):
    run = flows.run([{"id": "route", "type": "branch", "conditions": [
        {"when": "input.total > 1000", "steps": [{"id": "big", "type": "set", "variables": {"size": "big"}}]},
        {"when": "{{ input.total > 100 }}", "steps": [{"id": "mid", "type": "set", "variables": {"size": "mid"}}]},
        {"when": True, "steps": [{"id": "any", "type": "set", "variables": {"size": "any"}}]},
    ]}, {"id": "none", "type": "branch", "conditions": [{"when": "input.missing.deep", "steps": [
        {"id": "never", "type": "set", "variables": {"never": True}}]}]}], {"total": 500})

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert flows.output(run, "route") == {"taken": 1}
    assert flows.output(run, "none") == {"taken": None}
    assert run.variables == {"size": "mid"}
    assert StepRun.objects.get(run=run, path="route.when1.mid")


def test_branch_keeps_its_choice_when_resumed(flows):
    run = flows.run([{"id": "route", "type": "branch", "conditions": [
        {"when": "not vars.flag", "steps": [
            {"id": "flip", "type": "set", "variables": {"flag": True}},
            {"id": "pause", "type": "delay", "seconds": 60},
            {"id": "first", "type": "set", "variables": {"path": "first"}}]}],
        "else": [{"id": "second", "type": "set", "variables": {"path": "second"}}]}])
    assert run.status == RunStatus.WAITING

    flows.due(run)
    run = flows.execute(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.variables == {"flag": True, "path": "first"}


def test_stop_ends_the_run_with_an_output(flows):
    run = flows.run([{"id": "done", "type": "stop", "output": {"reason": "{{ input.why }}"}},
                     {"id": "never", "type": "fail", "message": "not reached"}], {"why": "duplicate"})

    assert run.status == RunStatus.SUCCEEDED
    assert run.output == {"reason": "duplicate"}


def test_fail_message_is_a_template_shown_as_is(flows):
    run = flows.run([{"id": "no", "type": "fail", "field": "qty",
                      "message": "{% if input.qty > 5 %}At most 5 per buyer{% else %}ok{% endif %}",
                      "retry": {"attempts": 3, "delay_seconds": 0}}], {"qty": 9})

    assert run.status == RunStatus.FAILED
    assert run.error == {"code": "flow_failed", "message": "At most 5 per buyer", "path": "no", "step": "no",
                         "field": "qty", "attempt": 1}


def test_on_error_continue_records_the_error_as_output(flows, make, workspace):
    make.form(workspace, [{"key": "text", "type": "text"}], key="notes")
    run = flows.run([
        {"id": "upd", "type": "record.update", "form": "notes", "record": 999999, "data": {"text": "x"},
         "on_error": "continue"},
        {"id": "after", "type": "set", "variables": {"code": "{{ steps.upd.error.code }}"}},
    ])

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.variables == {"code": "record_not_found"}


def test_on_error_branch_runs_its_steps(flows, make, workspace):
    notes = make.form(workspace, [{"key": "text", "type": "text"}], key="notes")
    run = flows.run([
        {"id": "upd", "type": "record.update", "form": "notes", "record": "{{ input.id }}", "data": {"text": "x"},
         "on_error": {"action": "branch", "steps": [
             {"id": "log", "type": "record.create", "form": "notes", "data": {"text": "failed: {{ error.code }}"}}]}},
    ], {"id": "abc"})

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert flows.output(run, "upd")["handled"] is True
    assert Record.objects.get(form=notes).data == {"text": "failed: invalid_record"}
    assert StepRun.objects.get(run=run, path="upd.on_error.log").status == "succeeded"


def test_expression_errors_name_the_step_and_option(flows):
    run = flows.run([{"id": "calc", "type": "set", "variables": {"x": "{{ input.nope.deeper }}"}}])

    assert run.status == RunStatus.FAILED
    assert "step 'calc'" in run.error["message"] and "variables.x" in run.error["message"]


def test_notify_writes_notifications_and_emails_after_commit(flows, make, workspace, owner,
                                                             django_capture_on_commit_callbacks):
    clerk = make.member(workspace, Role.MEMBER, user=make.user("clerk2", email="clerk2@example.com"))
    quiet = make.member(workspace, Role.MEMBER, user=make.user("quiet"))
    with django_capture_on_commit_callbacks(execute=True):
        run = flows.run([{"id": "tell", "type": "notify", "to": ["owner", "clerk2", quiet.pk, "{{ input.who }}"],
                          "title": "SKU {{ input.sku }} is low",
                          "body": "{% for w in input.warehouses %}{{ w }} {% endfor %}",
                          "channels": ["in_app", "email"]}], {"sku": "A1", "warehouses": ["SH", "BJ"],
                                                              "who": "clerk2"})

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert flows.output(run, "tell") == {"sent": 3, "to": [owner.pk, clerk.pk, quiet.pk]}
    notes = Notification.objects.filter(run=run)
    assert {n.member_id for n in notes} == {owner.pk, clerk.pk, quiet.pk}
    assert all(n.title == "SKU A1 is low" and n.body == "SH BJ " for n in notes)
    assert [m.to for m in mail.outbox] == [["clerk2@example.com"]]
    assert mail.outbox[0].subject == "SKU A1 is low"


def test_notify_unknown_member_is_an_error(flows):
    run = flows.run([{"id": "tell", "type": "notify", "to": ["ghost"], "title": "x"}])

    assert run.status == RunStatus.FAILED
    assert run.error["code"] == "unknown_member" and "ghost" in run.error["message"]


def test_no_email_is_sent_when_the_step_rolls_back(flows, owner, monkeypatch, django_capture_on_commit_callbacks):
    from apps.flows.engine import journal

    owner.user.email = "boss@example.com"
    owner.user.save()

    def broken(*args, **kwargs):
        raise RuntimeError("disk full")

    monkeypatch.setattr(journal.DbJournal, "succeeded", broken)
    with django_capture_on_commit_callbacks(execute=True):
        flows.run([{"id": "tell", "type": "notify", "to": "owner", "title": "x", "channels": ["email"]}])

    assert mail.outbox == []
    assert not Notification.objects.exists()
