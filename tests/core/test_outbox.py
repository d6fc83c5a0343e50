"""The outbox relay: forms writes events, the apps subscribe to them as equals, and none is lost or doubled."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import DatabaseError, transaction
from django.utils import timezone

from apps.celery import app
from apps.core import outbox
from apps.core import tasks as core_tasks
from apps.core.models import RelayMark
from apps.forms.models import Event, Record
from apps.forms.outbox import EventTable

pytestmark = pytest.mark.django_db


@pytest.fixture
def orders(make):
    return make.form(make.workspace(), [{"key": "title", "type": "text"}], key="orders")


@pytest.fixture
def only(monkeypatch):
    """``only(name=handler, ...)``: the relay's subscribers for this test, in this order."""

    def replace(**handlers) -> None:
        monkeypatch.setattr(outbox, "_subscribers", dict(handlers))

    return replace


class Seen:
    """A subscriber that keeps the ids of the events it was handed, batch by batch."""

    def __init__(self) -> None:
        self.batches: list[list[int]] = []

    def __call__(self, events: list) -> None:
        self.batches.append([event.pk for event in events])

    @property
    def ids(self) -> list[int]:
        return [pk for batch in self.batches for pk in batch]


def test_forms_is_the_source_and_flows_and_connectors_subscribe_as_equals():
    assert isinstance(outbox._source, EventTable)
    assert {"flows.record_events", "connectors.outbound", "connectors.stock"} <= set(outbox.subscribers())


def test_every_subscriber_sees_every_event_once_oldest_first_and_the_events_are_marked(make, orders, only,
                                                                                     monkeypatch):
    monkeypatch.setattr(outbox, "BATCH_SIZE", 2)
    first, second = Seen(), Seen()
    only(first=first, second=second)
    for title in "ABCDE":
        make.record(orders, {"title": title})
    written = list(Event.objects.order_by("id").values_list("id", flat=True))

    assert outbox.dispatch_pending() == 5
    assert outbox.dispatch_pending() == 0
    assert first.ids == second.ids == written
    assert first.batches == [written[0:2], written[2:4], written[4:5]]
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_a_subscriber_that_fails_is_undone_alone_and_holds_up_neither_the_outbox_nor_the_others(make, orders,
                                                                                             only):
    def broken(events: list) -> None:
        Record.objects.filter(form=orders).delete()  # undone with this subscriber's savepoint
        raise RuntimeError("a bug")

    after = Seen()
    only(broken=broken, after=after)
    record = make.record(orders, {"title": "A"})

    assert outbox.dispatch_pending() == 1
    assert after.ids == [Event.objects.get().pk]
    assert Record.objects.filter(pk=record.pk).exists()
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


def test_a_database_error_rolls_the_whole_batch_back_and_it_is_relayed_again(make, orders, only):
    failures = [DatabaseError("the connection dropped")]

    def writes(events: list) -> None:
        Record.objects.filter(form=orders).update(data={"title": "touched"})

    def flaky(events: list) -> None:
        if failures:
            raise failures.pop()

    seen = Seen()
    only(writes=writes, flaky=flaky, seen=seen)
    make.record(orders, {"title": "A"})

    with pytest.raises(DatabaseError):
        outbox.dispatch_pending()
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 1
    assert Record.objects.get().data == {"title": "A"}  # the first subscriber's write went with the batch
    assert seen.ids == []
    assert outbox.dispatch_pending() == 1
    assert len(seen.ids) == 1


def test_a_name_is_taken_by_one_subscriber_only(only):
    only()
    outbox.subscribe("audit.trail", Seen.__call__)
    outbox.subscribe("audit.trail", Seen.__call__)  # the same handler again, as a second ready() would
    with pytest.raises(ValueError):
        outbox.subscribe("audit.trail", Seen())


def test_a_transaction_that_writes_many_events_asks_for_one_relay_after_it_commits(make, orders, monkeypatch,
                                                                                 django_capture_on_commit_callbacks):
    asked: list[str] = []
    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async", lambda *a, **k: asked.append("relay"))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        for title in "ABC":
            make.record(orders, {"title": title})
        assert asked == []
    assert asked == ["relay"]


def test_a_broker_that_is_down_fails_no_write_and_leaves_the_events_for_the_sweep(make, orders, monkeypatch,
                                                                                django_capture_on_commit_callbacks):
    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async", broker_down)
    with django_capture_on_commit_callbacks(execute=True):
        make.record(orders, {"title": "A"})
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 1


def test_the_relay_task_keeps_the_name_queued_messages_carry():
    app.loader.import_default_modules()
    assert core_tasks.dispatch_events.name == "flows.dispatch_events" and "flows.dispatch_events" in app.tasks


class Broker:
    """Stands in for the message broker: keeps what was queued; ``run_next()`` is a worker taking one."""

    def __init__(self) -> None:
        self.queued = 0
        self.sent = 0

    def apply_async(self, *args, **kwargs) -> None:
        self.queued += 1
        self.sent += 1

    def run_next(self) -> int:
        self.queued -= 1
        return core_tasks.dispatch_events.run()


@pytest.mark.django_db(transaction=True)
def test_a_burst_of_committed_writes_queues_one_relay_and_every_event_is_still_relayed(make, orders, only,
                                                                                     monkeypatch):
    broker = Broker()
    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async", broker.apply_async)
    seen = Seen()
    only(seen=seen)

    for number in range(300):  # each in a transaction of its own
        make.record(orders, {"title": f"order {number}"})

    assert broker.sent == 1
    assert broker.run_next() == 300
    assert len(seen.ids) == 300 and broker.queued == 0


@pytest.mark.django_db(transaction=True)
def test_events_written_while_a_relay_runs_queue_the_next_relay(make, orders, only, monkeypatch):
    broker = Broker()
    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async", broker.apply_async)
    seen = Seen()

    def writes_more(events: list) -> None:
        seen(events)
        if len(seen.ids) == 1:  # a request commits while the relay is at work
            make.record(orders, {"title": "written meanwhile"})

    only(writes_more=writes_more)
    make.record(orders, {"title": "first"})
    assert broker.sent == 1

    broker.run_next()
    assert broker.sent == 2 and broker.queued == 1
    broker.run_next()
    assert len(seen.ids) == 2
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()


@pytest.mark.django_db(transaction=True)
def test_a_relay_whose_message_was_lost_is_queued_again_once_its_mark_is_stale(make, orders, monkeypatch):
    broker = Broker()
    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async", broker.apply_async)
    make.record(orders, {"title": "A"})
    broker.queued = 0  # the message is lost: no worker will ever clear the mark

    RelayMark.objects.update(marked_at=timezone.now() - timedelta(seconds=outbox.MARK_STALE_SECONDS + 1))
    make.record(orders, {"title": "B"})
    assert broker.sent == 2


@pytest.mark.django_db(transaction=True)
def test_a_relay_the_broker_refused_leaves_no_mark_so_the_next_write_tries_again(make, orders, monkeypatch):
    down = [ConnectionRefusedError("broker down")]
    sent: list[str] = []

    def flaky(*args, **kwargs) -> None:
        if down:
            raise down.pop()
        sent.append("relay")

    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async", flaky)
    for title in "AB":
        make.record(orders, {"title": title})
    assert sent == ["relay"]
