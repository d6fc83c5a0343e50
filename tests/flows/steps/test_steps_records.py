"""record.create/update/upsert/delete: the forms services under a run, exactly once."""

from __future__ import annotations

import pytest

from apps.flows.engine import journal as journal_module
from apps.flows.engine import runner
from apps.flows.models import RunStatus, StepRun
from apps.forms.models import Record

ORDER_FIELDS = [
    {"key": "platform", "type": "text", "required": True},
    {"key": "order_no", "type": "text", "required": True},
    {"key": "status", "type": "text"},
    {"key": "total", "type": "decimal", "decimal_places": 2},
]


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, ORDER_FIELDS, key="orders", unique_key=["platform", "order_no"])


def test_create_then_update_with_expressions(flows, orders):
    run = flows.run([
        {"id": "create", "type": "record.create", "form": "orders",
         "data": {"platform": "jd", "order_no": "{{ input.no }}", "total": "{{ input.qty * decimal(input.price) }}"}},
        {"id": "pay", "type": "record.update", "form": "orders", "record": "{{ steps.create.id }}",
         "data": {"status": "paid"}, "version": "{{ steps.create.version }}"},
    ], {"no": "J-1", "qty": 3, "price": "19.99"})

    assert run.status == RunStatus.SUCCEEDED, run.error
    created = flows.output(run, "create")
    assert created["data"] == {"platform": "jd", "order_no": "J-1", "total": "59.97"}
    assert created["version"] == 1
    updated = flows.output(run, "pay")
    assert updated["version"] == 2 and updated["data"]["status"] == "paid"
    record = Record.objects.get(form=orders)
    assert record.data["status"] == "paid" and record.created_by == flows.owner


def test_update_with_stale_version_fails_without_retrying(flows, make, orders):
    record = make.record(orders, {"platform": "jd", "order_no": "J-2"})
    run = flows.run([{"id": "pay", "type": "record.update", "form": "orders", "record": record.pk,
                      "data": {"status": "paid"}, "version": 7, "retry": {"attempts": 3, "delay_seconds": 0}}])

    assert run.status == RunStatus.FAILED
    assert run.error["code"] == "stale_version" and run.error["path"] == "pay"
    assert StepRun.objects.get(run=run, path="pay").attempts == 1


def test_upsert_is_idempotent_by_unique_key(flows, orders):
    steps = [{"id": "intake", "type": "record.upsert", "form": "orders",
              "data": {"platform": "tmall", "order_no": "T-9", "total": "{{ input.total }}"}}]
    first = flows.run(steps, {"total": "10.00"})
    second = flows.execute(flows.start(first.flow, {"total": "12.5"}))

    assert flows.output(first, "intake")["created"] is True
    out = flows.output(second, "intake")
    assert out["created"] is False and out["data"]["total"] == "12.50" and out["version"] == 2
    assert Record.objects.filter(form=orders).count() == 1


def test_delete_and_missing_ok(flows, make, orders):
    record = make.record(orders, {"platform": "jd", "order_no": "J-3"})
    run = flows.run([
        {"id": "drop", "type": "record.delete", "form": "orders", "record": "{{ input.id }}"},
        {"id": "again", "type": "record.delete", "form": "orders", "record": "{{ input.id }}", "missing_ok": True},
    ], {"id": record.pk})

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert flows.output(run, "drop") == {"id": record.pk, "deleted": True}
    assert flows.output(run, "again") == {"id": record.pk, "deleted": False}
    assert not Record.objects.filter(pk=record.pk).exists()


def test_invalid_data_is_a_located_non_retryable_error(flows, orders):
    run = flows.run([{"id": "create", "type": "record.create", "form": "orders",
                      "data": {"platform": "jd", "order_no": "J-4", "total": "abc"}}])

    assert run.status == RunStatus.FAILED
    assert run.error["code"] == "validation_failed"
    assert "step 'create'" in run.error["message"]
    assert "total" in run.error["errors"]


class Crash(BaseException):
    """A worker dying mid-step: not an Exception, so nothing in the engine handles it."""


def test_crash_after_the_write_rolls_it_back_and_resuming_writes_once(flows, orders, monkeypatch):
    real = journal_module.DbJournal.succeeded
    crashes = []

    def succeeded_then_crash(self, path, step, input_, output, attempts):
        real(self, path, step, input_, output, attempts)
        if path == "create" and not crashes:
            crashes.append(path)
            raise Crash()

    monkeypatch.setattr(journal_module.DbJournal, "succeeded", succeeded_then_crash)
    flow = flows.create([
        {"id": "create", "type": "record.create", "form": "orders",
         "data": {"platform": "jd", "order_no": "J-5"}},
        {"id": "after", "type": "set", "variables": {"done": True}},
    ])
    run = flows.start(flow)

    with pytest.raises(Crash):
        runner.execute(run.pk)
    assert not Record.objects.filter(form=orders).exists()
    assert not StepRun.objects.filter(run=run, path="create", status="succeeded").exists()

    run.refresh_from_db()
    assert run.status == RunStatus.RUNNING
    type(run).objects.filter(pk=run.pk).update(lease_expires_at=run.lease_expires_at.replace(year=2000))
    run = flows.execute(run)

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert Record.objects.filter(form=orders).count() == 1
    assert flows.output(run, "create")["id"] == Record.objects.get(form=orders).pk


def test_completed_steps_are_not_repeated_when_a_failed_run_is_retried(flows, orders):
    flow = flows.create([
        {"id": "create", "type": "record.create", "form": "orders", "data": {"platform": "jd", "order_no": "J-6"}},
        {"id": "boom", "type": "fail", "message": "{{ 'stop here' if not input.fixed else 'never' }}"},
    ])
    run = flows.execute(flows.start(flow))
    assert run.status == RunStatus.FAILED and run.error["message"] == "stop here"

    assert runner.retry(run)
    run = flows.execute(run)

    assert run.status == RunStatus.FAILED
    assert Record.objects.filter(form=orders).count() == 1
