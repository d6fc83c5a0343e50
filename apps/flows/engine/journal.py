"""Where a run's progress is written: the database for real runs, memory for tests of speed and before-save flows.

The interpreter asks the journal whether a step at a path already completed;
a resumed run therefore skips finished steps and reuses their outputs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.utils import timezone

from ..models import Run, StepRun, StepStatus, Wait


@dataclass
class StepRecord:
    path: str
    step_id: str
    status: str
    output: Any = None
    error: Any = None
    attempts: int = 0


@dataclass
class WaitRecord:
    kind: str
    wake_at: datetime | None
    match: dict
    resolved: bool
    result: Any = None


class Journal:
    """The interface; see DbJournal and MemoryJournal."""

    def completed(self, path: str) -> StepRecord | None:
        raise NotImplementedError

    def outputs(self) -> dict[str, Any]:
        """Outputs of completed steps by step id, in completion order (the latest wins)."""
        raise NotImplementedError

    def attempts(self, path: str) -> int:
        raise NotImplementedError

    def started(self, path: str, step: dict, input_: Any) -> None:
        raise NotImplementedError

    def succeeded(self, path: str, step: dict, input_: Any, output: Any, attempts: int) -> None:
        raise NotImplementedError

    def failed(self, path: str, step: dict, input_: Any, error: dict, attempts: int, *, final: bool) -> None:
        raise NotImplementedError

    def wait(self, path: str, kind: str, wake_at: datetime | None, match: dict) -> WaitRecord:
        """The wait at ``path``, created if new."""
        raise NotImplementedError

    def resolve(self, path: str, result: Any) -> None:
        raise NotImplementedError

    def has_wait(self, path: str) -> bool:
        raise NotImplementedError


class MemoryJournal(Journal):
    def __init__(self) -> None:
        self.steps: dict[str, StepRecord] = {}
        self.order: list[str] = []
        self.waits: dict[str, WaitRecord] = {}

    def completed(self, path: str) -> StepRecord | None:
        record = self.steps.get(path)
        return record if record is not None and record.status in (StepStatus.SUCCEEDED, StepStatus.SKIPPED) \
            else None

    def outputs(self) -> dict[str, Any]:
        return {self.steps[p].step_id: self.steps[p].output for p in self.order if self.completed(p)}

    def attempts(self, path: str) -> int:
        record = self.steps.get(path)
        return record.attempts if record else 0

    def started(self, path: str, step: dict, input_: Any) -> None:
        return None

    def succeeded(self, path: str, step: dict, input_: Any, output: Any, attempts: int) -> None:
        self.steps[path] = StepRecord(path, step["id"], StepStatus.SUCCEEDED, output, None, attempts)
        self.order.append(path)

    def failed(self, path: str, step: dict, input_: Any, error: dict, attempts: int, *, final: bool) -> None:
        self.steps[path] = StepRecord(path, step["id"], StepStatus.FAILED, None, error, attempts)

    def wait(self, path: str, kind: str, wake_at: datetime | None, match: dict) -> WaitRecord:
        return self.waits.setdefault(path, WaitRecord(kind, wake_at, match, False))

    def has_wait(self, path: str) -> bool:
        return path in self.waits

    def resolve(self, path: str, result: Any) -> None:
        record = self.waits[path]
        record.resolved, record.result = True, result


class DbJournal(Journal):
    """Reads the run's step rows once, then writes each change as it happens."""

    def __init__(self, run: Run):
        self.run = run
        self.rows: dict[str, StepRun] = {r.path: r for r in StepRun.objects.filter(run=run).order_by("id")}
        self.wait_rows: dict[str, Wait] = {w.path: w for w in Wait.objects.filter(run=run)}

    def completed(self, path: str) -> StepRecord | None:
        row = self.rows.get(path)
        if row is None or row.status not in (StepStatus.SUCCEEDED, StepStatus.SKIPPED):
            return None
        return StepRecord(path, row.step_id, row.status, row.output, row.error, row.attempts)

    def outputs(self) -> dict[str, Any]:
        done = (StepStatus.SUCCEEDED, StepStatus.SKIPPED)
        rows = sorted((r for r in self.rows.values() if r.status in done), key=lambda r: (r.finished_at, r.pk))
        return {r.step_id: r.output for r in rows}

    def attempts(self, path: str) -> int:
        row = self.rows.get(path)
        return row.attempts if row else 0

    def _row(self, path: str, step: dict) -> StepRun:
        row = self.rows.get(path)
        if row is None:
            row = StepRun(run=self.run, path=path, step_id=step["id"], step_type=step["type"],
                          status=StepStatus.RUNNING, started_at=timezone.now())
            self.rows[path] = row
        return row

    def started(self, path: str, step: dict, input_: Any) -> None:
        row = self._row(path, step)
        row.status, row.input, row.attempts = StepStatus.RUNNING, input_, row.attempts + 1
        row.started_at = timezone.now()
        row.save()

    def succeeded(self, path: str, step: dict, input_: Any, output: Any, attempts: int) -> None:
        row = self._row(path, step)
        row.status, row.input, row.output, row.error = StepStatus.SUCCEEDED, input_, output, None
        row.attempts, row.finished_at = attempts, timezone.now()
        row.save()

    def failed(self, path: str, step: dict, input_: Any, error: dict, attempts: int, *, final: bool) -> None:
        row = self._row(path, step)
        row.status, row.input, row.error = StepStatus.FAILED, input_, error
        row.attempts, row.finished_at = attempts, timezone.now()
        row.save()

    def wait(self, path: str, kind: str, wake_at: datetime | None, match: dict) -> WaitRecord:
        row = self.wait_rows.get(path)
        if row is None:
            row, _ = Wait.objects.get_or_create(run=self.run, path=path, defaults={
                "workspace_id": self.run.workspace_id, "kind": kind, "wake_at": wake_at, "match": match})
            self.wait_rows[path] = row
        return WaitRecord(row.kind, row.wake_at, row.match, row.resolved_at is not None, row.result)

    def has_wait(self, path: str) -> bool:
        return path in self.wait_rows

    def resolve(self, path: str, result: Any) -> None:
        row = self.wait_rows[path]
        Wait.objects.filter(pk=row.pk, resolved_at__isnull=True).update(resolved_at=timezone.now(), result=result)
        row.resolved_at, row.result = timezone.now(), result
