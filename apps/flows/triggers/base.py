"""The trigger-type contract: schema, checks, and what saving or deleting a flow sets up."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, ClassVar

from apps.core.registry import Registry, RegistryType

if TYPE_CHECKING:
    from ..models import Flow
    from ..validation import FlowChecker


class TriggerType(RegistryType):
    label: ClassVar[Any] = ""
    schema: ClassVar[dict[str, Any]] = {}
    required: ClassVar[tuple[str, ...]] = ()
    in_transaction: ClassVar[bool] = False

    def check(self, trigger: dict, path: str, checker: FlowChecker) -> None:
        checker.check_expressions(trigger, path, skip=("type",))

    def form_key(self, trigger: dict) -> str | None:
        """The form whose records this trigger watches, if any (indexed on the flow)."""
        return trigger.get("form")

    def installed(self, flow: Flow) -> None:
        """After the flow is saved (created, changed, enabled): set up schedules, tokens..."""

    def removed(self, flow: Flow) -> None:
        """After the flow is deleted or its trigger changes to another type."""


trigger_types: Registry[TriggerType] = Registry("trigger")
