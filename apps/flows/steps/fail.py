"""``fail``: end the run with a message a person can act on.

In a before-save flow this is how a business rule refuses a submission
(``field`` says which field the message belongs to); elsewhere the run fails
with this message and can be retried once the cause is fixed.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from ..engine.signals import StepError
from ._people import render
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker


@step_types.register
class Fail(StepType):
    """The message is the user's own text, not prefixed with a location: it is meant to be shown as is."""

    type = "fail"
    label = _("Fail")
    schema = {"message": {"type": "string", "minLength": 1, "maxLength": 2000},
              "field": {"type": "string", "maxLength": 130}}
    required = ("message",)

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        checker.expression(step.get("message"), f"{path}.message", mode="template")

    def execute(self, step: dict, ctx: StepContext) -> Any:
        message = render(ctx, step["message"], "message")
        details = {"field": step["field"]} if step.get("field") else {}
        raise StepError(message, code="flow_failed", retryable=False, details=details)
