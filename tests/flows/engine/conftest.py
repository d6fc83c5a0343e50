"""Fixtures of the engine tests: flows saved by the service and a stand-in broker.

``engine`` replaces the Celery task with a list of run ids (what would have
been sent to the broker) and executes them in-process on ``drain()``, as a
worker would. The crash test uses the real worker fixtures of
``tests/support/workers.py`` instead (re-exported here); the loopback HTTP
server is ``loopback`` of ``tests/conftest.py``.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.core import tasks as core_tasks
from apps.flows import tasks
from apps.flows.engine import runner
from apps.flows.models import Flow, Run, StepRun, Wait
from tests.support.workers import celery_worker, worker_env  # noqa: F401

ORDER_FIELDS = [{"key": "title", "type": "text"}, {"key": "note", "type": "text"}]
STOCK_FIELDS = [{"key": "sku", "type": "text", "required": True}, {"key": "available", "type": "counter", "min": 0}]


class Engine:
    """Stands in for the broker and a worker: ``delay`` records run ids, ``drain`` executes them in order."""

    def __init__(self) -> None:
        self.enqueued: list[int] = []
        self.executed: list[int] = []

    def delay(self, run_id: int) -> None:
        self.enqueued.append(run_id)

    def take(self) -> list[int]:
        """What was sent since the last look, removing it from the queue (like a lost message)."""
        ids = list(self.enqueued)
        self.enqueued.clear()
        return ids

    def step(self) -> str | None:
        """Execute the oldest message; a message whose run cannot be claimed does nothing (returns None)."""
        run_id = self.enqueued.pop(0)
        self.executed.append(run_id)
        return runner.execute(run_id)

    def drain(self, limit: int = 500) -> list[str | None]:
        """Execute messages until none is left, including those sent meanwhile."""
        outcomes = []
        while self.enqueued:
            assert len(outcomes) < limit, "the queue never drained"
            outcomes.append(self.step())
        return outcomes

    @staticmethod
    def steps(run: Run) -> dict[str, StepRun]:
        return {row.path: row for row in StepRun.objects.filter(run=run)}

    @staticmethod
    def due(run: Run) -> None:
        """Move the run's timers into the past instead of sleeping until they are due."""
        past = timezone.now() - timedelta(seconds=1)
        Wait.objects.filter(run=run, resolved_at__isnull=True, wake_at__isnull=False).update(wake_at=past)
        Run.objects.filter(pk=run.pk, wake_at__isnull=False).update(wake_at=past)


@pytest.fixture
def engine(monkeypatch) -> Engine:
    """No broker: runs are executed in-process; record events are dispatched by nobody."""
    fake = Engine()
    monkeypatch.setattr(tasks, "execute_run", fake)
    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async", lambda *args, **kwargs: None)
    return fake


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, ORDER_FIELDS, key="orders")


@pytest.fixture
def stock(make, workspace):
    return make.form(workspace, STOCK_FIELDS, key="stock", unique_key=["sku"])


@pytest.fixture
def create_flow(make, workspace) -> Callable[..., Flow]:
    """``create_flow(steps, trigger=..., key=..., settings=...)``: saved (validated, versioned) by the service."""

    def create(steps: list[dict], *, trigger: dict | None = None, key: str | None = None, **extra: Any) -> Flow:
        return make.flow(workspace, steps=steps, trigger=trigger, key=key, **extra)

    return create


@pytest.fixture
def start(owner) -> Callable[..., Run]:
    """``start(flow, **input)``: queue a run as the manual trigger does."""

    def start_(flow: Flow, **input_: Any) -> Run:
        trigger = {"type": "manual", "by": owner.pk}
        run = runner.start_run(flow, trigger=trigger, input_={**input_, "trigger": trigger}, actor=owner)
        assert run is not None
        return run

    return start_


@pytest.fixture
def loopback_allowed(settings):
    """Flows of these tests may call the loopback server (the private-address guard is tested elsewhere)."""
    settings.WEFT_HTTP_ALLOW_PRIVATE = True
