"""Deliveries of one form processed together (bulk upsert by rounds) give the outcomes of one by one.

Each scenario is stored twice: for one endpoint and form it is processed by
``process_pending`` (the set-based path), for a twin endpoint and form one
delivery at a time with ``process``; outcomes and records must be the same.
"""

from __future__ import annotations

import json
import threading

import pytest
from django.db import connection, transaction

from apps.connectors.inbound import processing
from apps.connectors.inbound.endpoints import create_endpoint
from apps.connectors.inbound.intake import store
from apps.connectors.inbound.processing import process_pending
from apps.connectors.models import Delivery
from apps.forms.models import Record, RecordHistory

FIELDS = [
    {"key": "order_id", "type": "text"},
    {"key": "status", "type": "text"},
    {"key": "status_rank", "type": "integer"},
    {"key": "total", "type": "decimal", "decimal_places": 2},
]
MAPPING = {"order_id": "{{ body.id }}", "status": "{{ body.status }}", "status_rank": "{{ body.rank }}",
           "total": "{{ body.amount * 1 }}"}

SCENARIO = [
    {"id": "A", "status": "paid", "rank": 20, "amount": 10},
    {"id": "B", "status": "paid", "rank": 20, "amount": 20},
    {"id": "A", "status": "shipped", "rank": 30, "amount": 10},
    {"id": "B", "status": "created", "rank": 10, "amount": 20},  # older: the guard skips it
    {"id": "C", "status": "paid", "rank": 20, "amount": 30},
    {"id": "A", "status": "completed", "rank": 40, "amount": 10},
    {"id": "C", "status": "paid", "rank": 20, "amount": 30},  # the same again: nothing changes
    {"id": "D", "status": "paid", "rank": 20, "amount": "not money"},  # invalid: its round goes one by one
    {"id": "E", "status": "paid", "rank": 20, "amount": {"yuan": 1}},  # the mapping fails
    {"status": "paid", "rank": 20, "amount": 5},  # no unique key
    {"id": "B", "status": "shipped", "rank": 30, "amount": 25},
]


@pytest.fixture
def twins(make, workspace, owner):
    """Two identical forms, each with its endpoint (mapping and guard)."""
    pairs = []
    for key in ("bulk", "single"):
        make.form(workspace, FIELDS, key=key, unique_key=["order_id"])
        pairs.append(create_endpoint(workspace, {"key": key, "form": key, "mapping": MAPPING,
                                                 "guard": ["status_rank"]}, member=owner))
    return pairs


def deliver(endpoint, bodies: list[dict], tag: str = "") -> list[int]:
    return [store(endpoint.workspace_id, endpoint.pk, f"msg{tag}_{n}", {"content-type": "application/json"},
                  json.dumps(body)) for n, body in enumerate(bodies)]


def outcomes(endpoint) -> list[tuple]:
    """Per delivery, in order: status, attempts, the record's order id and created flag or skip reason, the error."""
    rows = []
    for delivery in Delivery.objects.filter(endpoint=endpoint).order_by("id"):
        result = dict(delivery.result)
        if "record" in result:
            result["record"] = Record.objects.get(pk=result["record"]).data["order_id"]
        error = delivery.error and (delivery.error.get("code"), sorted(delivery.error.get("errors", {})))
        rows.append((delivery.status, delivery.attempts, result, error))
    return rows


def records(endpoint) -> dict[str, tuple]:
    found = {}
    for record in Record.objects.filter(form_id=endpoint.form_id):
        history = RecordHistory.objects.filter(record_id=record.pk).count()
        found[record.data["order_id"]] = (record.data, record.version, history)
    return found


def test_many_deliveries_of_one_form_give_the_outcomes_of_one_by_one(twins):
    bulk, single = twins
    deliver(bulk, SCENARIO)
    deliver(single, SCENARIO)
    with transaction.atomic():
        for delivery in Delivery.objects.filter(endpoint=single).select_related("endpoint__form").order_by("id"):
            processing.process(delivery)
    assert process_pending() == len(SCENARIO)
    assert outcomes(bulk) == outcomes(single)
    assert records(bulk) == records(single)
    statuses = [status for status, *_ in outcomes(bulk)]
    assert statuses == ["processed"] * 3 + ["skipped", "processed", "processed", "processed", "failed", "failed",
                                             "failed", "processed"]
    assert records(bulk)["A"][0]["status"] == "completed" and records(bulk)["B"][0]["status"] == "shipped"


def test_deliveries_of_two_endpoints_on_one_form_apply_in_their_order(make, workspace, owner):
    make.form(workspace, FIELDS, key="orders", unique_key=["order_id"])
    shop = create_endpoint(workspace, {"key": "shop", "form": "orders", "mapping": MAPPING}, member=owner)
    erp = create_endpoint(workspace, {"key": "erp", "form": "orders", "mapping": {
        "order_id": "{{ body.no }}", "status": "{{ body.state }}"}}, member=owner)
    deliver(shop, [{"id": "A", "status": "paid", "rank": 20, "amount": 1}], "1")
    deliver(erp, [{"no": "A", "state": "packed"}], "2")
    deliver(shop, [{"id": "A", "status": "shipped", "rank": 30, "amount": 1}], "3")
    deliver(erp, [{"no": "A", "state": "delivered"}], "4")
    assert process_pending() == 4
    record = Record.objects.get(form_id=shop.form_id)
    assert record.data["status"] == "delivered" and record.version == 4
    changes = list(RecordHistory.objects.filter(record_id=record.pk).order_by("id").values_list("after", flat=True))
    assert [after["status"] for after in changes] == ["paid", "packed", "shipped", "delivered"]


def test_a_batch_of_one_form_costs_a_few_queries_not_a_dozen_per_delivery(twins, django_assert_max_num_queries):
    bulk, _single = twins
    deliver(bulk, [{"id": f"W-{n}", "status": "paid", "rank": 20, "amount": n} for n in range(60)]
                  + [{"id": f"W-{n}", "status": "shipped", "rank": 30, "amount": n} for n in range(30)])
    with django_assert_max_num_queries(40):
        assert process_pending() == 90
    assert Record.objects.filter(form_id=bulk.form_id).count() == 60
    assert Delivery.objects.filter(endpoint=bulk, status="processed", attempts=1).count() == 90


@pytest.mark.django_db(transaction=True)
def test_two_workers_at_once_process_each_delivery_once(make):
    """Two workers take batches of the same backlog (SKIP LOCKED on PostgreSQL, one after the other on SQLite)."""
    workspace = make.workspace()
    make.form(workspace, FIELDS, key="orders", unique_key=["order_id"])
    endpoint = create_endpoint(workspace, {"key": "shop", "form": "orders", "mapping": MAPPING,
                                           "guard": ["status_rank"]}, member=make.owner(workspace))
    bodies = [{"id": f"W-{n % 80}", "status": "paid" if n < 80 else "shipped", "rank": 20 if n < 80 else 30,
               "amount": n % 80} for n in range(240)]
    deliver(endpoint, bodies)
    barrier = threading.Barrier(2)
    done: list[int] = []
    errors: list[BaseException] = []

    def work() -> None:
        try:
            barrier.wait(10)
            done.append(process_pending())
        except BaseException as exc:  # reported below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=work) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors and sum(done) == 240
    deliveries = Delivery.objects.filter(endpoint=endpoint)
    assert deliveries.exclude(attempts=1).count() == 0
    assert set(deliveries.values_list("status", flat=True)) <= {"processed", "skipped"}
    assert Record.objects.filter(form_id=endpoint.form_id).count() == 80
    assert all(r.data["status"] == "shipped" for r in Record.objects.filter(form_id=endpoint.form_id))


def test_a_record_created_between_the_guard_and_the_bulk_upsert_is_guarded_too(twins, monkeypatch):
    """Another worker creates a newer order after the guard looked: the round is looked at again, not overwritten."""
    from apps.forms.services.records import create_record

    bulk, _single = twins
    deliver(bulk, [{"id": "A", "status": "paid", "rank": 20, "amount": 10},
                   {"id": "B", "status": "paid", "rank": 20, "amount": 20}])
    real, calls = processing._kept_out, []

    def racing(form, items):
        looked = real(form, items)
        calls.append(len(looked[1]))
        if len(calls) == 1:
            create_record(form, {"order_id": "A", "status": "shipped", "status_rank": 30, "total": "10"}, member=None)
        return looked

    monkeypatch.setattr(processing, "_kept_out", racing)
    process_pending()
    assert calls == [2, 1]
    assert [row[0] for row in outcomes(bulk)] == ["skipped", "processed"]
    assert Record.objects.get(form_id=bulk.form_id, data__order_id="A").data["status"] == "shipped"
