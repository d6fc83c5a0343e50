"""``parallel``: independent step lists that do not wait for each other.

Branches run one after another in the same worker (effects stay exactly-once
and ordered in the journal); what makes them parallel is waiting: a branch
that parks on a timer, event or approval does not hold up the others, and the
join completes once every branch has finished.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from ..engine.signals import WaitSignal
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker


@step_types.register
class Parallel(StepType):
    type = "parallel"
    label = _("Parallel branches")
    schema = {"branches": {"type": "array", "items": {"$ref": "#/$defs/steps"}, "minItems": 1, "maxItems": 20}}
    required = ("branches",)
    container = True

    def children(self, step: dict) -> list[tuple[str, list[dict]]]:
        return [(f"branches[{i}]", steps) for i, steps in enumerate(step.get("branches") or [])
                if isinstance(steps, list) and steps]

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        """Nothing of its own to check: the branches' steps are checked as child sequences."""

    def execute(self, step: dict, ctx: StepContext) -> Any:
        waiting: WaitSignal | None = None
        for index, steps in enumerate(step["branches"]):
            try:
                ctx.run_sequence(steps, f"b{index}")
            except WaitSignal as signal:
                waiting = waiting or signal
        if waiting is not None:
            raise waiting
        return {"branches": len(step["branches"])}
