"""Counters: the guard and the change are one statement; the same key applies once; the ledger adds up."""

from __future__ import annotations

import contextlib
import functools
from decimal import Decimal

import pytest
from django.db import connection
from django.db.models import Sum

from apps.forms.errors import GuardFailed
from apps.forms.models import Counter, CounterEntry, Event
from apps.forms.services.counters import Adjustment, adjust, adjust_many, counter_value
from tests.support.threads import run_together

STOCK_FIELDS = [
    {"key": "sku", "type": "text", "required": True},
    {"key": "available", "type": "counter", "min": 0},
    {"key": "reserved", "type": "counter", "min": 0},
]


@pytest.fixture
def stock(make, workspace):
    return make.form(workspace, STOCK_FIELDS, key="stock", unique_key=["sku"])


def test_initial_value_and_guarded_decrement(make, stock):
    record = make.record(stock, {"sku": "A1", "available": 5})

    result = adjust(stock, Adjustment(record.pk, "available", -3, key="order-1:A1"))

    assert result.applied and result.value == 2
    with pytest.raises(GuardFailed) as refused:
        adjust(stock, Adjustment(record.pk, "available", -3, key="order-2:A1"))
    assert "only 2 left" in str(refused.value.errors["available"][0])
    assert counter_value(stock, record.pk, "available") == 2
    assert not CounterEntry.objects.filter(key="order-2:A1").exists()


def test_same_key_applies_once(make, stock):
    record = make.record(stock, {"sku": "A1", "available": 10})

    first = adjust(stock, Adjustment(record.pk, "available", -4, key="order-7:A1"))
    again = adjust(stock, Adjustment(record.pk, "available", -4, key="order-7:A1"))

    assert first.applied and not first.replayed
    assert again.replayed and not again.applied and again.value == 6
    assert counter_value(stock, record.pk, "available") == 6
    assert CounterEntry.objects.filter(key="order-7:A1").count() == 1


def test_call_floor_narrows_field_floor(make, stock):
    record = make.record(stock, {"sku": "A1", "available": 10})
    with pytest.raises(GuardFailed):
        adjust(stock, Adjustment(record.pk, "available", -8, floor=3))
    assert adjust(stock, Adjustment(record.pk, "available", -7, floor=3)).value == 3


def test_adjust_many_is_all_or_nothing(make, stock):
    a = make.record(stock, {"sku": "A", "available": 5})
    b = make.record(stock, {"sku": "B", "available": 1})

    with pytest.raises(GuardFailed) as refused:
        adjust_many(stock.workspace, [(stock, Adjustment(a.pk, "available", -2, key="o1:A")),
                                      (stock, Adjustment(b.pk, "available", -2, key="o1:B"))])

    assert "[1].available" in refused.value.errors
    assert counter_value(stock, a.pk, "available") == 5
    assert not CounterEntry.objects.filter(key__startswith="o1:").exists()


def test_adjustment_writes_ledger_and_event(make, stock):
    record = make.record(stock, {"sku": "A", "available": 5})
    adjust(stock, Adjustment(record.pk, "reserved", 2, key="o9:A", reason="reserve"))
    entry = CounterEntry.objects.get(key="o9:A")
    assert (entry.delta, entry.value_after, entry.reason) == (2, 2, "reserve")
    event = Event.objects.filter(type="counter.adjusted").latest("id")
    assert event.payload["field"] == "reserved" and event.payload["value"] == 2


def test_decimal_counter_is_exact(make, workspace):
    form = make.form(workspace, [{"key": "balance", "type": "counter", "decimal_places": 2, "min": 0}])
    record = make.record(form, {"balance": "10.10"})
    adjust(form, Adjustment(record.pk, "balance", "-0.10"))
    adjust(form, Adjustment(record.pk, "balance", "0.20"))
    assert counter_value(form, record.pk, "balance") == Decimal("10.20")
    assert Counter.objects.get(record=record).value == 1020


def test_the_database_refuses_a_value_below_the_floor(make, stock):
    record = make.record(stock, {"sku": "A", "available": 1})
    from django.db import IntegrityError, transaction

    with pytest.raises(IntegrityError), transaction.atomic():
        Counter.objects.filter(record=record, field="available").update(value=-1)


def test_guard_and_update_are_one_statement(make, stock):
    from django.test.utils import CaptureQueriesContext

    record = make.record(stock, {"sku": "A", "available": 3})
    with CaptureQueriesContext(connection) as queries:
        adjust(stock, Adjustment(record.pk, "available", -1, key="k"))
    updates = [q["sql"] for q in queries if "UPDATE forms_counter" in q["sql"]]
    assert len(updates) == 1
    assert "value + " in updates[0] and ">=" in updates[0] and "RETURNING" in updates[0].upper()
    writes = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith(("UPDATE", "INSERT", "WITH"))]
    assert writes.index(updates[0]) == 0, "the guarded update comes before the ledger and outbox writes"


def _hammer(form, record_id: int, clients: int, per_client: int, key_prefix: str) -> None:
    """``clients`` threads at once, each taking one unit ``per_client`` times; an error in any fails the test."""

    def client(n: int) -> None:
        for i in range(per_client):
            with contextlib.suppress(GuardFailed):
                adjust(form, Adjustment(record_id, "available", -1, key=f"{key_prefix}{n}:{i % 3}"))

    run_together([functools.partial(client, n) for n in range(clients)])


@pytest.mark.django_db(transaction=True)
def test_many_threads_never_cross_the_floor(make):
    """Threads each take one unit with repeated keys: never below zero, the ledger equals the counter."""
    workspace = make.workspace()
    form = make.form(workspace, STOCK_FIELDS, key="stock", unique_key=["sku"])
    record = make.record(form, {"sku": "HOT", "available": 25})
    clients = 16 if connection.vendor == "postgresql" else 6

    _hammer(form, record.pk, clients, per_client=5, key_prefix="c")

    counter = Counter.objects.get(record=record, field="available")
    applied = CounterEntry.objects.filter(counter=counter).aggregate(total=Sum("delta"))["total"] or 0
    assert counter.value >= 0
    assert counter.value == 25 + applied
    assert CounterEntry.objects.filter(counter=counter).count() == min(25, clients * 3)


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_sixty_four_clients_on_postgres(make):
    workspace = make.workspace()
    form = make.form(workspace, STOCK_FIELDS, key="stock", unique_key=["sku"])
    record = make.record(form, {"sku": "HOT", "available": 100})

    _hammer(form, record.pk, 64, per_client=4, key_prefix="p")

    counter = Counter.objects.get(record=record, field="available")
    assert counter.value == 0
    assert CounterEntry.objects.filter(counter=counter).aggregate(total=Sum("delta"))["total"] == -100
