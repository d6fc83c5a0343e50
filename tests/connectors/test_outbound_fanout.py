"""Fan-out of outbox events into messages: which subscriptions get which events, and never twice."""

from __future__ import annotations

import json

import pytest
from django.db import transaction

from apps.connectors.models import Message
from apps.connectors.outbound.fanout import fan_out
from apps.connectors.outbound.subscriptions import set_enabled
from apps.core.outbox import dispatch_pending
from apps.forms.models import Event
from apps.forms.services.counters import Adjustment, adjust
from apps.forms.services.records import bulk_write, delete_record, update_record
from tests.connectors import test_outbound_signing as shared
from tests.connectors.test_outbound_signing import deliver
from tests.support.threads import together

# Fixtures of the outbound tests, defined once with the receiver and requested by name.
fresh_subscribers, orders, reachable, receiver, subscribe = (
    shared.fresh_subscribers, shared.orders, shared.reachable, shared.receiver, shared.subscribe)


def test_dispatching_the_same_events_again_makes_no_second_message(make, orders, subscribe):
    sub, _secret = subscribe()
    make.record(orders, {"title": "A"})
    assert dispatch_pending() == 1
    Event.objects.update(dispatched_at=None)  # as if the first dispatch's mark had been lost

    assert dispatch_pending() == 1
    assert fan_out(list(Event.objects.all())) == 0
    (message,) = Message.objects.filter(subscription=sub)
    assert message.event_type == "record.created" and message.event.record_id is not None


def test_each_subscription_gets_the_event_types_and_forms_it_chose(make, workspace, orders, subscribe):
    customers = make.form(workspace, [{"key": "name", "type": "text"}], key="customers")
    everything, _ = subscribe(events=["record.created", "record.updated", "record.deleted"])
    only_orders, _ = subscribe(events=["record.created"], forms=["orders"])
    only_updates, _ = subscribe(events=["record.updated"])
    paused, _ = subscribe(events=["record.created"], enabled=False)
    theirs, _ = subscribe(events=["record.created"], ws=make.workspace())

    order = make.record(orders, {"title": "A"})
    make.record(customers, {"name": "Li"})
    update_record(order, {"title": "B"}, member=None)
    delete_record(order, member=None)
    dispatch_pending()

    def received(sub) -> list[tuple[str, str]]:
        return [(m.event_type, m.payload["data"]["form"]) for m in Message.objects.filter(subscription=sub)
                .order_by("id")]

    assert received(everything) == [("record.created", "orders"), ("record.created", "customers"),
                                    ("record.updated", "orders"), ("record.deleted", "orders")]
    assert received(only_orders) == [("record.created", "orders")]
    assert received(only_updates) == [("record.updated", "orders")]
    assert received(paused) == [] and received(theirs) == []


def test_an_update_says_what_changed_and_a_deletion_carries_the_last_data(make, orders, subscribe):
    sub, _ = subscribe(events=["record.updated", "record.deleted"])
    record = make.record(orders, {"title": "A", "total": "5.00"})
    record = update_record(record, {"total": "7.00"}, member=None)
    delete_record(record, member=None)
    dispatch_pending()

    updated, deleted = (m.payload for m in Message.objects.filter(subscription=sub).order_by("id"))
    assert updated["type"] == "record.updated"
    assert updated["data"]["changed"] == ["total"]
    assert updated["data"]["previous"]["total"] == "5.00"
    assert updated["data"]["record"]["data"]["total"] == "7.00" and updated["data"]["record"]["version"] == 2
    assert deleted["type"] == "record.deleted" and deleted["data"]["record"]["data"]["title"] == "A"
    json.dumps(updated), json.dumps(deleted)  # plain JSON throughout


def test_a_counter_adjustment_carries_the_delta_and_the_value_in_display_units(make, orders, subscribe):
    sub, _ = subscribe(events=["counter.adjusted"])
    record = make.record(orders, {"title": "A", "stock": 10})
    adjust(orders, Adjustment(record_id=record.pk, field="stock", delta=-3, key="order-1:sku"))
    dispatch_pending()

    (message,) = Message.objects.filter(subscription=sub)
    data = message.payload["data"]
    assert message.event_type == "counter.adjusted"
    assert data["counter"]["field"] == "stock" and data["counter"]["delta"] == -3 and data["counter"]["value"] == 7
    assert data["record"]["id"] == record.pk and data["record"]["data"]["stock"] == 7


def test_messages_of_a_bulk_write_are_made_in_one_pass(make, orders, subscribe, django_assert_max_num_queries):
    sub, _ = subscribe()
    bulk_write(orders, [{"title": str(i)} for i in range(50)], member=None)
    with django_assert_max_num_queries(20):
        assert dispatch_pending() == 50
    assert Message.objects.filter(subscription=sub).count() == 50
    assert len(set(Message.objects.values_list("message_id", flat=True))) == 50


def test_disabled_and_re_enabled_the_subscription_gets_only_what_happened_while_enabled(make, owner, orders,
                                                                                      subscribe, receiver,
                                                                                      reachable):
    sub, _ = subscribe("/erp")
    set_enabled(sub, False, member=owner)
    make.record(orders, {"title": "while disabled"})
    deliver()
    set_enabled(sub, True, member=owner)
    make.record(orders, {"title": "after"})
    deliver()
    assert [json.loads(r["body"])["data"]["record"]["data"]["title"] for r in receiver.calls("/erp")] == ["after"]


def test_a_broken_consumer_of_the_batch_neither_blocks_the_outbox_nor_the_messages(make, orders, subscribe,
                                                                                  monkeypatch):
    from apps.core import outbox
    from apps.forms.models import Record

    def broken(events) -> None:
        Record.objects.filter(form=orders).delete()  # undone with the consumer's savepoint
        raise RuntimeError("a bug")

    monkeypatch.setattr(outbox, "_subscribers", {"broken": broken, **outbox._subscribers})
    sub, _ = subscribe()
    make.record(orders, {"title": "A"})
    assert dispatch_pending() == 1
    assert Message.objects.filter(subscription=sub).count() == 1
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    assert Record.objects.filter(form=orders).count() == 1


# --- against committed data: two dispatchers at once -----------------------------------------------------------


@pytest.fixture
def quiet(monkeypatch):
    """Committed tests: keep what would be enqueued from the project's broker."""
    from apps.connectors.tasks import outbound
    from apps.core import tasks as core_tasks
    from apps.flows import tasks

    monkeypatch.setattr(tasks.execute_run, "delay", lambda *args: None)
    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async", lambda *a, **k: None)
    sent: list[str] = []
    monkeypatch.setattr(outbound.deliver_outbound, "apply_async", lambda *a, **k: sent.append("deliver"))
    return sent


@pytest.mark.django_db(transaction=True)
@pytest.mark.postgres
def test_the_same_events_fanned_out_twice_at_once_make_one_message_each(make, orders, subscribe, quiet):
    subs = [subscribe()[0] for _ in range(2)]
    bulk_write(orders, [{"title": str(i)} for i in range(30)], member=None)
    events = list(Event.objects.order_by("id"))

    def fan_out_all() -> int:  # a dispatcher that did not see the other's lock, e.g. a re-dispatch
        with transaction.atomic():
            return fan_out(events)

    made = together(2, fan_out_all)
    for sub in subs:
        assert sorted(Message.objects.filter(subscription=sub).values_list("event_id", flat=True)) == \
            [e.pk for e in events]
    assert sum(made) >= 60 and Message.objects.count() == 60


@pytest.mark.django_db(transaction=True)
def test_two_dispatchers_at_once_make_one_message_per_event_and_kick_delivery_after_commit(make, orders, subscribe,
                                                                                          quiet, monkeypatch):
    from apps.core import outbox

    monkeypatch.setattr(outbox, "BATCH_SIZE", 7)
    sub, _ = subscribe()
    bulk_write(orders, [{"title": str(i)} for i in range(40)], member=None)

    assert sum(together(2, dispatch_pending)) == 40
    assert Message.objects.filter(subscription=sub).values("event_id").distinct().count() == 40
    assert Message.objects.count() == 40
    assert quiet  # each committed batch asked a worker to deliver
