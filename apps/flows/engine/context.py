"""What a step sees while it runs: the run's data as expression scope, and ways to wait or recurse."""

from __future__ import annotations

import uuid
import zoneinfo
from collections.abc import Callable
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import datetime
from typing import TYPE_CHECKING, Any

from django.utils import timezone

from apps.expressions import ExpressionError, evaluate_condition, evaluate_value
from apps.forms.conversion import typed_data

from .journal import Journal
from .signals import StepError, WaitSignal

if TYPE_CHECKING:
    from apps.accounts.models import Member, Workspace
    from apps.forms.models import Form

    from ..models import Run


@dataclass
class RunState:
    """One run's data while the interpreter walks its tree."""

    workspace: Workspace
    flow_key: str
    definition: dict
    journal: Journal
    input: dict = dc_field(default_factory=dict)
    variables: dict = dc_field(default_factory=dict)
    outputs: dict[str, Any] = dc_field(default_factory=dict)
    actor: Member | None = None
    run: Run | None = None
    in_transaction: bool = False
    now: datetime = dc_field(default_factory=timezone.now)
    on_step_done: Callable[[], None] | None = None
    form: Form | None = None
    local_id: str = ""
    _typed: dict = dc_field(default_factory=dict)

    @property
    def run_id(self) -> str:
        """Part of every idempotency key: the Run's id, or a per-execution id for runs without a row."""
        if self.run is not None:
            return str(self.run.pk)
        if not self.local_id:
            self.local_id = f"local:{uuid.uuid4().hex}"
        return self.local_id

    def typed(self, name: str) -> Any:
        """The trigger's record (or previous) with decimals as Decimal, so arithmetic on money is exact."""
        if name not in self._typed:
            data = self.input.get(name)
            if isinstance(data, dict) and self.form is not None:
                try:
                    data = typed_data(data, self.form.definition.get("fields", []))
                except (ArithmeticError, TypeError, ValueError):
                    data = dict(data)
            self._typed[name] = data
        return self._typed[name]

    def base_scope(self) -> dict:
        tz = zoneinfo.ZoneInfo(getattr(self.workspace, "timezone", "UTC") or "UTC")
        local = self.now.astimezone(tz)
        return {
            "input": self.input,
            "trigger": self.input.get("trigger", {}),
            "record": self.typed("record"),
            "previous": self.typed("previous"),
            "changed": self.input.get("changed", []),
            "line_changes": self.input.get("line_changes", {}),
            "steps": self.outputs,
            "vars": self.variables,
            "now": local,
            "today": local.date(),
        }


class StepContext:
    """Passed to ``StepType.execute``: evaluation, idempotency keys, waiting and child sequences."""

    def __init__(self, state: RunState, step: dict, path: str, scope: dict, interpreter):
        self.state = state
        self.step = step
        self.path = path
        self.extra_scope = scope
        self.interpreter = interpreter

    @property
    def workspace(self) -> Workspace:
        return self.state.workspace

    @property
    def actor(self) -> Member | None:
        return self.state.actor

    @property
    def run(self) -> Run | None:
        return self.state.run

    def where(self, option: str = "") -> str:
        """A location for messages: ``flow 'x', step 'reserve' (reserve[2]), option 'delta'``."""
        text = f"flow '{self.state.flow_key}', step '{self.step.get('id')}' at {self.path}"
        return f"{text}, option '{option}'" if option else text

    def scope(self) -> dict:
        return {**self.state.base_scope(), **self.extra_scope}

    def eval(self, value: Any, option: str = "") -> Any:
        """Evaluate every ``{{ }}`` inside ``value`` (strings, lists and dicts, recursively)."""
        scope = self.scope()
        return self._eval(value, scope, option)

    def _eval(self, value: Any, scope: dict, option: str) -> Any:
        if isinstance(value, str):
            if "{{" not in value and "{%" not in value:
                return value
            try:
                return evaluate_value(value, scope)
            except ExpressionError as exc:
                raise StepError(str(exc.at(self.where(option))), code=f"expression_{exc.kind}") from None
        if isinstance(value, list):
            return [self._eval(v, scope, f"{option}[{i}]") for i, v in enumerate(value)]
        if isinstance(value, dict):
            return {k: self._eval(v, scope, f"{option}.{k}" if option else k) for k, v in value.items()}
        return value

    def option(self, name: str, default: Any = None) -> Any:
        return self.eval(self.step.get(name, default), name)

    def test(self, condition: Any, option: str = "condition") -> bool:
        if isinstance(condition, bool):
            return condition
        if condition is None or condition == "":
            return True
        source = str(condition).strip()
        if source.startswith("{{") and source.endswith("}}"):
            source = source[2:-2]
        try:
            return evaluate_condition(source, self.scope())
        except ExpressionError as exc:
            raise StepError(str(exc.at(self.where(option))), code=f"expression_{exc.kind}") from None

    def idempotency_key(self, suffix: str = "") -> str:
        """A key that is the same every time this step at this place of this run is attempted."""
        return f"run:{self.state.run_id}:{self.path}{suffix}"

    def set_variable(self, name: str, value: Any) -> None:
        self.state.variables[name] = value

    def wait(self, kind: str, *, wake_at: datetime | None = None, match: dict | None = None,
             path: str | None = None) -> Any:
        """Return the wait's result once resolved; until then park the run here."""
        if self.state.in_transaction:
            raise StepError(f"{self.where()}: a before-save flow cannot wait", code="cannot_wait")
        path = path or self.path
        record = self.state.journal.wait(path, kind, wake_at, match or {})
        if record.resolved:
            return record.result
        if record.wake_at is not None and record.wake_at <= timezone.now() and kind in ("delay", "retry"):
            self.state.journal.resolve(path, {"woke_at": timezone.now().isoformat()})
            return {"woke_at": timezone.now().isoformat()}
        raise WaitSignal(path)

    def run_sequence(self, steps: list[dict], segment: str, scope: dict | None = None) -> None:
        """Run a child sequence (a branch's steps, one loop iteration) under ``path.segment``."""
        if not segment:
            prefix = self.path
        else:
            prefix = f"{self.path}{segment}" if segment.startswith("[") else f"{self.path}.{segment}"
        self.interpreter.run_sequence(steps, self.state, prefix, {**self.extra_scope, **(scope or {})})
