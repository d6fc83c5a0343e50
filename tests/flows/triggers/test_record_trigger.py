"""Record triggers: which changes start which flows, with what input, and what a broken condition does."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.core.errors import ValidationFailed
from apps.core.outbox import dispatch_pending
from apps.flows.engine import runner
from apps.flows.models import Run, RunStatus
from apps.forms.models import Event
from apps.forms.services.counters import Adjustment, adjust
from apps.forms.services.records import delete_record, update_record


def runs(flow) -> list[Run]:
    return list(Run.objects.filter(flow=flow).order_by("id"))


def test_created_updated_deleted_each_start_a_run_with_the_change_as_input(make, orders, create_flow):
    flow = create_flow({"type": "record", "form": "orders"})
    record = make.record(orders, {"title": "A", "status": "new", "total": "10.5"})
    update_record(record, {"status": "paid"}, member=None)
    delete_record(record, member=None)
    assert dispatch_pending() == 3
    created, updated, deleted = runs(flow)
    events = list(Event.objects.order_by("id").values_list("id", flat=True))
    assert created.dedupe_key == f"event:{events[0]}"
    assert created.input["trigger"] == {"type": "record", "event": "created", "event_id": events[0],
                                        "form": "orders"}
    assert created.input["record"]["id"] == record.pk and created.input["record"]["total"] == "10.50"
    assert created.input["previous"] is None
    assert updated.input["changed"] == ["status"]
    assert updated.input["previous"]["status"] == "new" and updated.input["record"]["status"] == "paid"
    assert deleted.input["trigger"]["event"] == "deleted"
    assert deleted.input["record"] == {**deleted.input["previous"], "id": record.pk}  # the record as it was
    assert all(r.status == RunStatus.QUEUED for r in (created, updated, deleted))
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_on_and_condition_select_the_changes(make, orders, create_flow):
    paid = create_flow({"type": "record", "form": "orders", "on": ["updated"],
                        "condition": "record.status == 'paid' and previous.status != 'paid'"})
    big = create_flow({"type": "record", "form": "orders", "on": ["created"], "condition": "{{ record.total > 100 }}"})
    small = make.record(orders, {"status": "new", "total": "99.99"})
    large = make.record(orders, {"status": "new", "total": "100.01"})  # decimals compare as numbers, not text
    update_record(small, {"status": "paid"}, member=None)
    update_record(small, {"title": "still paid"}, member=None)
    dispatch_pending()
    assert [r.input["record"]["id"] for r in runs(big)] == [large.pk]
    assert [r.input["record"]["id"] for r in runs(paid)] == [small.pk]


def test_fields_filter_ignores_updates_that_do_not_touch_them(make, orders, create_flow):
    flow = create_flow({"type": "record", "form": "orders", "fields": ["status", "lines"]})
    record = make.record(orders, {"title": "A", "status": "new"})
    update_record(record, {"title": "B"}, member=None)
    update_record(record, {"status": "paid"}, member=None)
    update_record(record, {"lines": [{"sku": "TS-M", "qty": 1}]}, member=None)
    dispatch_pending()
    assert [r.input["trigger"]["event"] for r in runs(flow)] == ["created", "updated", "updated"]
    assert [r.input["changed"] for r in runs(flow)[1:]] == [["status"], ["lines"]]


def test_table_line_changes_are_matched_by_row_id_and_visible_to_the_condition(make, orders, create_flow):
    flow = create_flow({"type": "record", "form": "orders", "on": ["updated"], "fields": ["lines"],
                        "condition": "line_changes.lines.added | length > 0 or "
                                     "line_changes.lines.changed | length > 0"})
    record = make.record(orders, {"lines": [{"_id": "a", "sku": "A", "qty": 1}, {"_id": "b", "sku": "B", "qty": 1}]})
    update_record(record, {"lines": [{"_id": "b", "sku": "B", "qty": 1}, {"_id": "a", "sku": "A", "qty": 1}]},
                  member=None)  # reordered only: not a change of the table
    update_record(record, {"lines": [{"_id": "a", "sku": "A", "qty": 1}]}, member=None)  # removed only
    update_record(record, {"lines": [{"_id": "a", "sku": "A", "qty": 5}, {"sku": "C", "qty": 2}]}, member=None)
    dispatch_pending()
    (run,) = runs(flow)
    lines = run.input["line_changes"]["lines"]
    assert [row["sku"] for row in lines["added"]] == ["C"] and lines["removed"] == []
    assert lines["changed"] == [{"_id": "a", "before": {"_id": "a", "sku": "A", "qty": 1},
                                 "after": {"_id": "a", "sku": "A", "qty": 5}, "changed": ["qty"]}]
    assert run.input["changed"] == ["lines"]


def test_only_enabled_flows_of_the_events_form_start(make, workspace, orders, create_flow):
    other_form = make.form(workspace, [{"key": "title", "type": "text"}], key="notes")
    watching = create_flow({"type": "record", "form": "orders"})
    disabled = create_flow({"type": "record", "form": "orders"}, enabled=False)
    elsewhere = create_flow({"type": "record", "form": "notes"})
    make.record(orders, {"title": "A"})
    dispatch_pending()
    assert len(runs(watching)) == 1 and runs(disabled) == [] and runs(elsewhere) == []
    make.record(other_form, {"title": "x"})
    dispatch_pending()
    assert len(runs(elsewhere)) == 1 and len(runs(watching)) == 1


def test_a_paused_flow_still_gets_its_runs_queued_until_it_is_resumed(make, orders, create_flow):
    flow = create_flow({"type": "record", "form": "orders"})
    type(flow).objects.filter(pk=flow.pk).update(paused_at="2024-01-01T00:00:00Z")
    make.record(orders, {"title": "A"})
    dispatch_pending()
    assert [r.status for r in runs(flow)] == [RunStatus.QUEUED]


def test_dispatching_twice_starts_one_run_per_event(make, orders, create_flow):
    flow = create_flow({"type": "record", "form": "orders"})
    make.record(orders, {"title": "A"})
    assert dispatch_pending() == 1
    Event.objects.update(dispatched_at=None)  # e.g. a dispatcher that crashed after starting runs
    assert dispatch_pending() == 1
    assert len(runs(flow)) == 1


def test_a_condition_that_fails_is_recorded_once_as_a_failed_run_and_counts_for_the_breaker(
        make, orders, create_flow):
    flow = create_flow({"type": "record", "form": "orders", "condition": "record.title > 3"},
                       settings={"breaker_threshold": 2})
    fine = create_flow({"type": "record", "form": "orders"})
    make.record(orders, {"title": "A"})
    assert dispatch_pending() == 1
    (failed,) = runs(flow)
    assert failed.status == RunStatus.FAILED and failed.error["code"] == "trigger_condition_failed"
    assert "trigger.condition" in failed.error["message"] and failed.input["record"]["title"] == "A"
    assert len(runs(fine)) == 1  # other flows of the event are not affected
    Event.objects.update(dispatched_at=None)
    dispatch_pending()
    assert len(runs(flow)) == 1
    make.record(orders, {"title": "B"})
    dispatch_pending()
    flow.refresh_from_db()
    assert flow.paused_at is not None and "trigger.condition" in flow.paused_reason


def test_counter_moves_start_flows_that_ask_for_them(make, stock, create_flow):
    low = create_flow({"type": "record", "form": "stock", "on": ["counter"], "fields": ["available"],
                       "condition": "counter.delta < 0 and record.available < 3"})
    every_change = create_flow({"type": "record", "form": "stock"})
    item = make.record(stock, {"sku": "TS-M", "available": 5})
    adjust(stock, Adjustment(record_id=item.pk, field="available", delta=-1, key="o1"))
    adjust(stock, Adjustment(record_id=item.pk, field="available", delta=-2, key="o2"))
    dispatch_pending()
    (run,) = runs(low)
    assert run.input["counter"]["delta"] == -2 and run.input["counter"]["value"] == 2
    assert run.input["record"]["available"] == 2 and run.input["record"]["sku"] == "TS-M"
    assert run.input["changed"] == ["available"]
    assert [r.input["trigger"]["event"] for r in runs(every_change)] == ["created"]
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_dispatch_works_in_batches_and_respects_the_limit(make, orders, create_flow, monkeypatch):
    from apps.core import outbox

    monkeypatch.setattr(outbox, "BATCH_SIZE", 3)
    flow = create_flow({"type": "record", "form": "orders"})
    for index in range(7):
        make.record(orders, {"title": str(index)})
    assert dispatch_pending(limit=5) == 5
    assert dispatch_pending() == 2
    assert [r.input["record"]["title"] for r in runs(flow)] == [str(i) for i in range(7)]  # oldest first


def test_queries_per_batch_do_not_grow_with_flows_that_do_not_match(make, orders, create_flow):
    for _index in range(5):
        create_flow({"type": "record", "form": "orders", "on": ["deleted"]})
    for index in range(20):
        make.record(orders, {"title": str(index)})
    with CaptureQueriesContext(connection) as queries:
        assert dispatch_pending() == 20
    assert len(queries) < 20


def test_a_queued_run_executes_with_the_change_in_scope(make, orders, create_flow):
    flow = create_flow({"type": "record", "form": "orders", "on": ["updated"]}, [
        {"id": "note", "type": "set", "variables": {
            "summary": "{{ record.id }} {{ previous.title }}->{{ record.title }} {{ input.changed | join(',') }}"}}])
    record = make.record(orders, {"title": "A"})
    update_record(record, {"title": "B"}, member=None)
    dispatch_pending()
    (run,) = runs(flow)
    assert runner.execute(run.pk) == RunStatus.SUCCEEDED, Run.objects.get(pk=run.pk).error
    run.refresh_from_db()
    assert run.variables["summary"] == f"{record.pk} A->B title"


@pytest.mark.parametrize(("trigger", "path", "fragment"), [
    ({"type": "record", "form": "nope"}, "trigger.form", "no form 'nope'"),
    ({"type": "record", "form": "orders", "fields": ["status", "colour"]}, "trigger.fields[1]", "no field 'colour'"),
    ({"type": "record", "form": "orders", "condition": "record.status =="}, "trigger.condition", ""),
    ({"type": "record", "form": "orders", "on": ["changed"]}, "trigger.on[0]", ""),
])
def test_invalid_record_triggers_are_refused_with_a_located_error(orders, create_flow, trigger, path, fragment):
    with pytest.raises(ValidationFailed) as caught:
        create_flow(trigger)
    errors = caught.value.errors
    assert path in errors, errors
    assert fragment in " ".join(str(m) for m in errors[path])


def test_decimal_values_in_the_condition_scope_are_numbers(make, orders, create_flow):
    flow = create_flow({"type": "record", "form": "orders", "condition": "record.total == 12.5"})
    make.record(orders, {"total": "12.50"})
    dispatch_pending()
    assert len(runs(flow)) == 1
    assert Decimal(runs(flow)[0].input["record"]["total"]) == Decimal("12.5")
