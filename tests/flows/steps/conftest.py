"""Driving the flow engine in-process: make a flow, start a run, execute it, inspect its rows.

Runs are executed directly (``runner.execute``) instead of through Celery, and
a bare ``manual`` trigger type is registered if none exists yet.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.flows import schema as flow_schema_module
from apps.flows import tasks, validation
from apps.flows.engine import runner
from apps.flows.models import Flow, FlowVersion, Run, StepRun, Wait
from apps.flows.triggers.base import TriggerType, trigger_types


class Enqueued(list):
    """Stands in for the Celery task: records run ids instead of sending them to a broker."""

    def delay(self, run_id: int) -> None:
        self.append(run_id)


@pytest.fixture(autouse=True)
def engine(monkeypatch):
    enqueued = Enqueued()
    monkeypatch.setattr(tasks, "execute_run", enqueued)
    monkeypatch.setattr(runner, "_enqueue", lambda ids: None)
    return enqueued


def _reset_schema() -> None:
    flow_schema_module.flow_schema.cache_clear()
    validation._validator = None


@pytest.fixture(autouse=True)
def manual_trigger():
    if "manual" in trigger_types:
        yield
        return

    class Manual(TriggerType):
        type = "manual"

    trigger_types.register(Manual)
    _reset_schema()
    yield
    trigger_types._types.pop("manual", None)
    _reset_schema()


class Flows:
    """``flows.run(steps)`` makes a flow of these steps, starts it and executes it once."""

    def __init__(self, workspace, owner):
        self.workspace = workspace
        self.owner = owner
        self.count = 0

    def definition(self, steps: list[dict], key: str | None = None, **extra: Any) -> dict:
        self.count += 1
        key = key or f"flow{self.count}"
        return {"key": key, "name": key, "trigger": {"type": "manual"}, "steps": steps, **extra}

    def create(self, steps: list[dict], key: str | None = None, **extra: Any) -> Flow:
        definition = self.definition(steps, key, **extra)
        errors = validation.check_flow(self.workspace, definition)
        assert not errors.errors, errors.errors
        flow = Flow.objects.create(workspace=self.workspace, key=definition["key"], name=definition["key"],
                                   definition=definition, trigger_type="manual", owner=self.owner)
        FlowVersion.objects.create(flow=flow, version=1, definition=definition, created_by=self.owner)
        return flow

    def start(self, flow: Flow, input_: dict | None = None) -> Run:
        trigger = {"type": "manual"}
        return runner.start_run(flow, trigger=trigger, input_={"trigger": trigger, **(input_ or {})},
                                actor=self.owner)

    def execute(self, run: Run) -> Run:
        runner.execute(run.pk)
        run.refresh_from_db()
        return run

    def run(self, steps: list[dict], input_: dict | None = None, **extra: Any) -> Run:
        return self.execute(self.start(self.create(steps, **extra), input_))

    @staticmethod
    def steps(run: Run) -> dict[str, StepRun]:
        return {row.path: row for row in StepRun.objects.filter(run=run)}

    @staticmethod
    def output(run: Run, path: str) -> Any:
        return StepRun.objects.get(run=run, path=path).output

    @staticmethod
    def due(run: Run) -> None:
        """Make the run's timers due now, instead of sleeping until they are."""
        past = timezone.now() - timedelta(seconds=1)
        Wait.objects.filter(run=run, resolved_at__isnull=True, wake_at__isnull=False).update(wake_at=past)
        Run.objects.filter(pk=run.pk, wake_at__isnull=False).update(wake_at=past)


@pytest.fixture
def flows(workspace, owner):
    return Flows(workspace, owner)
