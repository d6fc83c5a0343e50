"""Before-save flows: set fields, refuse changes with a message, and write nothing when they refuse."""

from __future__ import annotations

import pytest

from apps.core.errors import ValidationFailed
from apps.flows.models import Run
from apps.forms.models import Event, Record
from apps.forms.services.counters import counter_value
from apps.forms.services.records import create_record, update_record

URL = "/api/v1/forms/orders/records/"

TAKE_STOCK = [
    {"id": "take", "type": "counter.adjust", "form": "stock", "record": "{{ input.record.stock_id }}",
     "field": "available", "delta": -2},
    {"id": "check", "type": "branch", "conditions": [{"when": "not steps.take.applied", "steps": [
        {"id": "refuse", "type": "fail", "field": "title", "message": "only {{ steps.take.value }} left in stock"},
    ]}]},
]


@pytest.fixture
def item(make, stock):
    return make.record(stock, {"sku": "TS-M", "available": 3})


@pytest.fixture
def orders_with_stock(make, workspace):
    return make.form(workspace, [{"key": "title", "type": "text"}, {"key": "stock_id", "type": "integer"},
                                 {"key": "priority", "type": "text"}, {"key": "total", "type": "decimal"}],
                     key="orders")


def test_a_flow_sets_fields_through_vars_fields(api, orders, create_flow):
    create_flow({"type": "before_save", "form": "orders", "condition": "record.total > 100"}, [
        {"id": "mark", "type": "set", "variables": {"fields": {"priority": "high", "title": "{{ record.title | upper }}"}}}])
    big = api.post(URL, {"title": "big", "total": "150"}, format="json")
    small = api.post(URL, {"title": "small", "total": "50"}, format="json")
    assert big.status_code == 201, big.json()
    assert big.json()["data"]["priority"] == "high" and big.json()["data"]["title"] == "BIG"
    assert "priority" not in small.json()["data"]
    assert not Run.objects.exists()  # no Run rows: the flow ran inside the save


def test_a_fail_step_refuses_the_change_with_its_message_and_nothing_is_written(
        api, orders_with_stock, stock, item, create_flow):
    create_flow({"type": "before_save", "form": "orders"}, TAKE_STOCK)
    first = api.post(URL, {"title": "one", "stock_id": item.pk}, format="json")
    assert first.status_code == 201, first.json()
    assert counter_value(stock, item.pk, "available") == 1
    events = Event.objects.count()

    refused = api.post(URL, {"title": "two", "stock_id": item.pk}, format="json")
    assert refused.status_code == 400
    body = refused.json()
    assert body["code"] == "validation_failed"
    assert body["errors"] == {"title": ["only 1 left in stock"]}
    assert Record.objects.filter(form=orders_with_stock).count() == 1
    assert counter_value(stock, item.pk, "available") == 1
    assert Event.objects.count() == events


def test_each_save_adjusts_with_its_own_idempotency_key(orders_with_stock, stock, make, create_flow, owner):
    item = make.record(stock, {"sku": "TS-L", "available": 10})
    create_flow({"type": "before_save", "form": "orders"}, TAKE_STOCK)
    for title in ("a", "b", "c"):
        create_record(orders_with_stock, {"title": title, "stock_id": item.pk}, member=owner)
    assert counter_value(stock, item.pk, "available") == 4


def test_any_failing_step_refuses_with_its_message(api, orders_with_stock, stock, item, create_flow):
    create_flow({"type": "before_save", "form": "orders"}, [
        {"id": "take", "type": "counter.adjust", "form": "stock", "record": "{{ input.record.stock_id }}",
         "field": "available", "delta": -5, "fail_if_refused": True}])
    response = api.post(URL, {"title": "x", "stock_id": item.pk}, format="json")
    assert response.status_code == 400
    (message,) = response.json()["errors"]["non_field_errors"]
    assert "only 3 left" in message and response.json()["step"] == "take"


def test_on_and_condition_choose_when_the_flow_runs(make, orders, create_flow, owner):
    create_flow({"type": "before_save", "form": "orders", "on": ["update"],
                 "condition": "record.status == 'cancelled' and previous.status == 'shipped'"},
                [{"id": "no", "type": "fail", "message": "a shipped order cannot be cancelled"}])
    record = create_record(orders, {"status": "shipped"}, member=owner)
    update_record(record, {"title": "fine"}, member=owner)
    with pytest.raises(ValidationFailed) as refused:
        update_record(record, {"status": "cancelled"}, member=owner)
    assert refused.value.errors == {"non_field_errors": ["a shipped order cannot be cancelled"]}
    record.refresh_from_db()
    assert record.data["status"] == "shipped" and record.version == 2


def test_flows_run_in_order_and_see_each_others_changes(orders, create_flow, owner):
    create_flow({"type": "before_save", "form": "orders"},
                [{"id": "a", "type": "set", "variables": {"fields": {"title": "{{ record.title }}-a"}}}], key="first")
    create_flow({"type": "before_save", "form": "orders"},
                [{"id": "b", "type": "set", "variables": {"fields": {"title": "{{ record.title }}-b"}}}], key="second")
    create_flow({"type": "before_save", "form": "orders"},
                [{"id": "c", "type": "fail", "message": "never"}], key="off", enabled=False)
    record = create_record(orders, {"title": "t"}, member=owner)
    assert record.data["title"] == "t-a-b"


def test_setting_a_field_the_form_does_not_have_refuses_with_a_clear_message(orders, create_flow, owner):
    create_flow({"type": "before_save", "form": "orders"},
                [{"id": "a", "type": "set", "variables": {"fields": {"colour": "red"}}}])
    with pytest.raises(ValidationFailed) as refused:
        create_record(orders, {"title": "t"}, member=owner)
    assert "colour" in refused.value.errors["non_field_errors"][0]
    assert not Record.objects.exists()


def test_a_condition_that_cannot_be_evaluated_refuses_the_change(orders, create_flow, owner):
    create_flow({"type": "before_save", "form": "orders", "condition": "record.title > 3"}, [])
    with pytest.raises(ValidationFailed) as refused:
        create_record(orders, {"title": "t"}, member=owner)
    assert "trigger.condition" in refused.value.errors["non_field_errors"][0]


def test_a_waiting_step_is_refused_when_the_flow_is_saved(orders, create_flow):
    with pytest.raises(ValidationFailed) as refused:
        create_flow({"type": "before_save", "form": "orders"},
                    [{"id": "pause", "type": "delay", "seconds": 5}])
    assert "steps[0].type" in refused.value.errors


def test_a_flow_that_writes_its_own_form_is_stopped_instead_of_recursing(orders, create_flow, owner):
    create_flow({"type": "before_save", "form": "orders", "on": ["create"]},
                [{"id": "copy", "type": "record.create", "form": "orders", "data": {"title": "copy"}}])
    with pytest.raises(ValidationFailed) as refused:
        create_record(orders, {"title": "t"}, member=owner)
    assert "levels deep" in str(refused.value.errors)
    assert not Record.objects.exists()
