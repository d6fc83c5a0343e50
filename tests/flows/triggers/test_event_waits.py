"""Runs parked on a ``wait`` step are woken by the dispatcher when their record reaches the state."""

from __future__ import annotations

from apps.core.outbox import dispatch_pending
from apps.flows.engine import runner
from apps.flows.models import Run, RunStatus, Wait
from apps.forms.services.records import update_record


def test_a_waiting_run_is_resolved_and_woken_by_the_matching_change(make, orders, create_flow):
    flow = create_flow({"type": "manual"}, [
        {"id": "until_paid", "type": "wait", "form": "orders", "record": "{{ input.order }}",
         "condition": "record.status == 'paid' and record.total >= 10"},
        {"id": "done", "type": "set", "variables": {"paid_total": "{{ steps.until_paid.record.total }}"}},
    ])
    order = make.record(orders, {"status": "new", "total": "12.00"})
    other = make.record(orders, {"status": "new", "total": "12.00"})
    run = runner.start_run(flow, trigger={"type": "manual"}, input_={"order": order.pk})
    assert runner.execute(run.pk) == RunStatus.WAITING
    dispatch_pending()  # the records' creation: nothing to resolve yet
    wait = Wait.objects.get(run=run)
    assert wait.match == {"form_id": orders.pk, "record_id": order.pk,
                          "condition": "record.status == 'paid' and record.total >= 10"}

    update_record(other, {"status": "paid"}, member=None)  # another record
    update_record(order, {"title": "no"}, member=None)  # the record, condition not met
    dispatch_pending()
    assert Wait.objects.get(pk=wait.pk).resolved_at is None

    update_record(order, {"status": "paid"}, member=None)
    dispatch_pending()
    wait.refresh_from_db()
    assert wait.resolved_at is not None
    assert wait.result["record"]["status"] == "paid" and wait.result["id"] == order.pk
    assert wait.result["event"] == "updated"
    assert Run.objects.get(pk=run.pk).wake_at is not None  # claimable now; enqueued after commit
    assert runner.execute(run.pk) == RunStatus.SUCCEEDED
    assert Run.objects.get(pk=run.pk).variables["paid_total"] == "12.00"


def test_a_wait_whose_condition_errors_keeps_waiting(make, orders, create_flow):
    flow = create_flow({"type": "manual"}, [
        {"id": "until", "type": "wait", "form": "orders", "record": "{{ input.order }}",
         "condition": "record.status == 'paid'"}])
    order = make.record(orders, {"status": "new"})
    run = runner.start_run(flow, trigger={"type": "manual"}, input_={"order": order.pk})
    runner.execute(run.pk)
    Wait.objects.filter(run=run).update(match={"form_id": orders.pk, "record_id": order.pk,
                                               "condition": "record.title > 3"})
    update_record(order, {"title": "x"}, member=None)
    assert dispatch_pending() == 2
    assert Wait.objects.get(run=run).resolved_at is None
