"""The step-type contract.

A step type is one class in one module: its JSON Schema fragment, the checks
saving a flow runs on it, and ``execute``. Containers (branch, loop, parallel)
run their child sequences through the interpreter they are given.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from apps.core.registry import Registry, RegistryType
from apps.forms.fields import TransferContext

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker


class StepType(RegistryType):
    label: ClassVar[Any] = ""
    schema: ClassVar[dict[str, Any]] = {}
    required: ClassVar[tuple[str, ...]] = ()
    container: ClassVar[bool] = False
    child_sequences: ClassVar[tuple[str, ...]] = ()
    waits: ClassVar[bool] = False
    transactional: ClassVar[bool] = True

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        """Checks beyond the schema: references to forms and fields, expression syntax.

        Report problems with ``checker.error(f"{path}.option", message)``; the
        default checks every string option that holds an expression.
        """
        checker.check_expressions(step, path, skip=("id", "type", "name", *self.child_sequences))

    def execute(self, step: dict, ctx: StepContext) -> Any:
        """Do the step and return its output (plain JSON data)."""
        raise NotImplementedError

    def export(self, step: dict, ctx: TransferContext) -> dict:
        """The step with ids of ``ctx.workspace`` (members, records) turned into keys that mean the same elsewhere.

        Most options already name things by key, so by default nothing changes.
        Raise ``ValidationFailed`` with paths relative to the step for an id that
        cannot travel. Child sequences are walked by the caller.
        """
        return step

    def import_(self, step: dict, ctx: TransferContext) -> dict:
        """An exported step with its keys resolved in ``ctx.workspace``, the inverse of ``export``."""
        return step

    def children(self, step: dict) -> list[tuple[str, list[dict]]]:
        """The child sequences with their path segment (for validation and the step tree)."""
        out = []
        for name in self.child_sequences:
            value = step.get(name)
            if isinstance(value, list) and value and isinstance(value[0], dict) and "type" in value[0]:
                out.append((name, value))
        return out


step_types: Registry[StepType] = Registry("step")

__all__ = ["StepType", "TransferContext", "step_types"]
