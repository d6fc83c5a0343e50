"""``branch``: the first condition that holds runs its steps; otherwise ``else``."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from ._memo import remember
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker

STEPS = {"$ref": "#/$defs/steps"}
CONDITION = {"type": "object", "required": ["when", "steps"], "additionalProperties": False,
             "properties": {"when": {"type": ["string", "boolean"], "maxLength": 4000}, "steps": STEPS}}


@step_types.register
class Branch(StepType):
    """The choice is journalled before the chosen steps run, so a resumed run stays on its path."""

    type = "branch"
    label = _("Branch")
    schema = {"conditions": {"type": "array", "items": CONDITION, "minItems": 1, "maxItems": 50}, "else": STEPS}
    required = ("conditions",)
    container = True
    child_sequences = ("else",)

    def children(self, step: dict) -> list[tuple[str, list[dict]]]:
        out = [(f"conditions[{i}].steps", c["steps"]) for i, c in enumerate(step.get("conditions") or [])
               if isinstance(c, dict) and isinstance(c.get("steps"), list) and c["steps"]]
        return out + super().children(step)

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        for index, condition in enumerate(step.get("conditions") or []):
            checker.expression(condition.get("when"), f"{path}.conditions[{index}].when", mode="expression")

    def execute(self, step: dict, ctx: StepContext) -> Any:
        taken = remember(ctx, "taken", lambda: self._choose(step, ctx))
        if isinstance(taken, int):
            ctx.run_sequence(step["conditions"][taken]["steps"], f"when{taken}")
        elif taken == "else":
            ctx.run_sequence(step.get("else") or [], "else")
        return {"taken": taken}

    @staticmethod
    def _choose(step: dict, ctx: StepContext) -> int | str | None:
        for index, condition in enumerate(step["conditions"]):
            if ctx.test(condition["when"], f"conditions[{index}].when"):
                return index
        return "else" if step.get("else") else None
