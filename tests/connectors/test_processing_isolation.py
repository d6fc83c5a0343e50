"""One delivery that cannot be processed never holds up the others, and no workspace waits behind another's flood.

A delivery the database refuses fails alone, after its attempts (counted even
when the transaction that tried it was rolled back); every other delivery of
its batch, of its workspace and of every other workspace is processed.
"""

from __future__ import annotations

import json

import pytest
from django.db import connection

from apps.connectors.inbound import processing
from apps.connectors.inbound.endpoints import create_endpoint
from apps.connectors.inbound.intake import store
from apps.connectors.inbound.processing import MAX_ATTEMPTS, process_pending
from apps.connectors.models import Delivery
from apps.forms.models import Record

FIELDS = [{"key": "order_id", "type": "text"}, {"key": "note", "type": "text"}]
MAPPING = {"order_id": "{{ body.id }}", "note": "{{ body.note }}"}


def shop(make, name: str, *, unique: bool = True):
    """A workspace with an orders form and an endpoint writing to it."""
    workspace = make.workspace(name)
    make.form(workspace, FIELDS, key="orders", **({"unique_key": ["order_id"]} if unique else {}))
    return create_endpoint(workspace, {"key": "shop", "form": "orders", "mapping": MAPPING},
                           member=make.owner(workspace))


def deliver(endpoint, order_id: str, note: str = "ok", *, raw: str | None = None) -> int:
    body = raw if raw is not None else json.dumps({"id": order_id, "note": note})
    return store(endpoint.workspace_id, endpoint.pk, f"msg_{endpoint.pk}_{order_id}", {}, body)


def status_of(pk: int) -> tuple[str, int, str | None]:
    delivery = Delivery.objects.get(pk=pk)
    return delivery.status, delivery.attempts, (delivery.error or {}).get("code")


def test_a_stored_body_postgresql_cannot_keep_fails_alone_and_every_shop_is_served(make):
    # given: the oldest delivery holds \u0000, as senders could store them before the intake refused it
    first, second = shop(make, "First"), shop(make, "Second")
    poisoned = deliver(first, "P-1", raw='{"id": "P-1", "note": "a\\u0000b"}')
    fine = [deliver(first, "A-1"), deliver(first, "A-2"), deliver(second, "B-1"), deliver(second, "B-2")]
    # when
    process_pending()
    # then
    assert [status_of(pk)[0] for pk in fine] == ["processed"] * 4
    status, _attempts, code = status_of(poisoned)
    assert (status, code) == ("failed", "unstorable_text")
    assert "\\u0000" in Delivery.objects.get(pk=poisoned).error["message"]
    assert Record.objects.count() == 4


@pytest.fixture
def refused_by_the_database(monkeypatch):
    """Mapping the order ``POISON`` runs a statement the database refuses (it aborts the transaction on
    PostgreSQL), as a trigger, a constraint or a lost lock would."""
    map_data = processing.map_data

    def mapping(mapping_, form, context, fallback):
        if context["body"].get("id") == "POISON":
            with connection.cursor() as cursor:
                cursor.execute("SELECT no_such_column FROM no_such_table")
        return map_data(mapping_, form, context, fallback)

    monkeypatch.setattr(processing, "map_data", mapping)


@pytest.mark.parametrize("unique", [True, False], ids=["bulk upsert", "one by one"])
def test_a_delivery_the_database_refuses_ends_failed_after_its_attempts_and_blocks_no_one(
        make, refused_by_the_database, unique):
    first, second = shop(make, "First", unique=unique), shop(make, "Second", unique=unique)
    poisoned = deliver(first, "POISON")
    fine = [deliver(first, "A-1"), deliver(second, "B-1"), deliver(first, "A-2"), deliver(second, "B-2")]

    process_pending()

    assert [status_of(pk)[0] for pk in fine] == ["processed"] * 4
    status, attempts, code = status_of(poisoned)
    assert (status, attempts, code) == ("failed", MAX_ATTEMPTS, "internal_error")
    assert Delivery.objects.get(pk=poisoned).processed_at is not None
    assert sorted(Record.objects.values_list("data__order_id", flat=True)) == ["A-1", "A-2", "B-1", "B-2"]
    assert process_pending() == 0


def test_an_attempt_is_counted_even_when_the_batch_that_made_it_was_rolled_back(make, refused_by_the_database):
    endpoint = shop(make, "Only")
    poisoned = deliver(endpoint, "POISON")
    deliver(endpoint, "A-1")
    processing._batch(10)  # the batch fails as a whole; its deliveries are then tried one at a time
    assert status_of(poisoned)[:2] == ("received", 1)
    assert Record.objects.get().data["order_id"] == "A-1"


def test_a_flood_into_one_workspace_does_not_hold_back_another(make):
    flooded, quiet = shop(make, "Flooded", unique=False), shop(make, "Quiet", unique=False)
    for n in range(processing.BATCH_SIZE + 20):
        deliver(flooded, f"F-{n}")
    waiting = deliver(quiet, "Q-1")  # the newest of all

    assert process_pending(limit=processing.BATCH_SIZE) == processing.BATCH_SIZE

    assert status_of(waiting)[0] == "processed"
    assert Delivery.objects.filter(endpoint=flooded, status="processed").count() == processing.BATCH_SIZE - 1
    oldest_left = Delivery.objects.filter(endpoint=flooded, status="received").order_by("id").first()
    assert not Delivery.objects.filter(endpoint=flooded, status="processed", pk__gt=oldest_left.pk).exists()


def test_a_workspace_with_many_endpoints_gets_one_share_of_a_batch(make):
    busy = make.workspace("Busy")
    make.form(busy, FIELDS, key="orders")
    owner = make.owner(busy)
    endpoints = [create_endpoint(busy, {"key": f"shop-{n}", "form": "orders", "mapping": MAPPING}, member=owner)
                 for n in range(4)]
    for endpoint in endpoints:
        for n in range(10):
            deliver(endpoint, f"{endpoint.key}-{n}")
    other = shop(make, "Other", unique=False)
    for n in range(10):
        deliver(other, f"O-{n}")

    processing._batch(10)

    processed = Delivery.objects.filter(status="processed")
    assert processed.filter(workspace=other.workspace).count() == 5
    assert processed.filter(workspace=busy).count() == 5
