"""Dispatch against committed data: concurrent dispatchers, the after-commit hook, and the sweeper."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import transaction
from django.utils import timezone

from apps.core import outbox
from apps.core.outbox import dispatch_pending
from apps.flows.engine import maintenance
from apps.flows.models import Run
from apps.flows.triggers import dispatch
from apps.forms.models import Event
from apps.forms.services.records import bulk_write
from tests.support.threads import together

pytestmark = pytest.mark.django_db(transaction=True)


def _one_run_per_event_per_flow(flows, events: int) -> None:
    for flow in flows:
        keys = list(Run.objects.filter(flow=flow).values_list("dedupe_key", flat=True))
        assert len(keys) == events and len(set(keys)) == events


def test_two_dispatchers_at_once_share_the_work(make, orders, create_flow, quiet_broker, monkeypatch):
    monkeypatch.setattr(outbox, "BATCH_SIZE", 7)
    flows = [create_flow({"type": "record", "form": "orders"}) for _ in range(2)]
    bulk_write(orders, [{"title": str(i)} for i in range(60)], member=None)
    results = together(2, dispatch_pending)
    assert sum(results) == 60  # every event dispatched by exactly one of them
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
    _one_run_per_event_per_flow(flows, 60)


def test_the_same_events_dispatched_twice_at_once_start_one_run_each(make, orders, create_flow, quiet_broker):
    flows = [create_flow({"type": "record", "form": "orders"}) for _ in range(2)]
    bulk_write(orders, [{"title": str(i)} for i in range(30)], member=None)
    events = list(Event.objects.order_by("id"))

    def route_all() -> int:  # a dispatcher that did not see the other's lock, e.g. a re-dispatch
        with transaction.atomic():
            router = dispatch._Router(events)
            for event in events:
                router.route(event)
        return len(events)

    together(2, route_all)
    _one_run_per_event_per_flow(flows, 30)


def test_a_bulk_write_enqueues_one_dispatch_and_it_starts_every_run(make, orders, create_flow, quiet_broker):
    flow = create_flow({"type": "record", "form": "orders"})
    bulk_write(orders, [{"title": str(i)} for i in range(200)], member=None)
    assert [name for name, _args in quiet_broker if name == "dispatch_events"] == ["dispatch_events"]
    assert dispatch_pending() == 200
    assert Run.objects.filter(flow=flow).count() == 200
    assert ("execute_run", (Run.objects.filter(flow=flow).order_by("id").first().pk,)) in quiet_broker


def test_events_whose_dispatch_was_lost_are_picked_up_by_the_sweeper(make, orders, create_flow, quiet_broker,
                                                                     monkeypatch):
    from apps.core import tasks

    def broker_down(*args, **kwargs):
        raise ConnectionRefusedError("broker down")

    monkeypatch.setattr(tasks.dispatch_events, "apply_async", broker_down)
    flow = create_flow({"type": "record", "form": "orders"})
    record = make.record(orders, {"title": "A"})  # commits; the failed enqueue does not fail the write
    assert Event.objects.filter(dispatched_at__isnull=True).count() == 1
    assert maintenance.sweep()["events"] == 0  # too recent: a live dispatch may still be on its way
    Event.objects.update(created_at=timezone.now() - timedelta(seconds=30))
    assert maintenance.sweep()["events"] == 1
    (run,) = Run.objects.filter(flow=flow)
    assert run.input["record"]["id"] == record.pk
    assert not Event.objects.filter(dispatched_at__isnull=True).exists()
