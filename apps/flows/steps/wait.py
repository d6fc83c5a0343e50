"""``wait``: park the run until a record reaches a state (paid, shipped), or a timeout passes.

The condition is stored in the Wait's ``match`` and evaluated by the event
dispatcher against the record (``record`` is its only name: it must make sense
without the run), so it is also evaluated here with only ``record`` in scope.
If it already holds when the step starts, the step completes at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.expressions import ExpressionError, evaluate_condition
from apps.forms.errors import RecordNotFound
from apps.forms.selectors import record_of

from ..engine.signals import StepError, WaitSignal
from ._records import (
    FORM,
    ID_VALUE,
    export_record,
    form_of,
    import_record,
    record_id,
    record_output,
)
from ._timeouts import TIMEOUT_OPTION, deadline
from .base import StepType, step_types

if TYPE_CHECKING:
    from apps.forms.fields import TransferContext

    from ..engine.context import StepContext
    from ..validation import FlowChecker



def bare(source: str) -> str:
    source = source.strip()
    return source[2:-2] if source.startswith("{{") and source.endswith("}}") else source


@step_types.register
class WaitForEvent(StepType):
    """A container (like branch) because ``on_timeout`` runs child steps, each in its own transaction."""

    type = "wait"
    label = gettext_lazy("Wait for a record")
    schema = {
        "form": FORM,
        "record": ID_VALUE,
        "condition": {"type": "string", "minLength": 1, "maxLength": 4000},
        "timeout_seconds": TIMEOUT_OPTION,
        "on_timeout": {"$ref": "#/$defs/steps"},
    }
    required = ("form", "record", "condition")
    waits = True
    container = True
    child_sequences = ("on_timeout",)

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        checker.form(step.get("form"), f"{path}.form")
        checker.expression(step.get("record"), f"{path}.record")
        checker.expression(step.get("timeout_seconds"), f"{path}.timeout_seconds")
        checker.expression(step.get("condition"), f"{path}.condition", mode="expression")

    def export(self, step: dict, ctx: TransferContext) -> dict:
        return export_record(step, ctx)

    def import_(self, step: dict, ctx: TransferContext) -> dict:
        return import_record(step, ctx)

    def execute(self, step: dict, ctx: StepContext) -> Any:
        if ctx.state.in_transaction:
            raise StepError(_("%(where)s: a before-save flow cannot wait") % {"where": ctx.where()},
                            code="cannot_wait")
        form = form_of(ctx)
        pk = record_id(ctx)
        condition = bare(str(step["condition"]))
        journal = ctx.state.journal
        wait = journal.wait(ctx.path, "event", deadline(ctx),
                            {"form_id": form.pk, "record_id": pk, "condition": condition})
        result = wait.result if wait.resolved else None
        if result is None:
            record = self._holds(form, pk, condition, ctx)
            if record is not None:
                result = {"record": record["data"]}
            elif wait.wake_at is not None and wait.wake_at <= timezone.now():
                result = {"timed_out": True}
            else:
                raise WaitSignal(ctx.path)
            journal.resolve(ctx.path, result)
        if result.get("timed_out") and step.get("on_timeout"):
            ctx.run_sequence(step["on_timeout"], "timeout")
        return result

    @staticmethod
    def _holds(form, pk: int, condition: str, ctx: StepContext) -> dict | None:
        """The record (API view) if the condition holds now, else None."""
        try:
            record = record_output(form, record_of(form, pk))
        except RecordNotFound:
            return None
        try:
            return record if evaluate_condition(condition, {"record": record["data"]}) else None
        except ExpressionError as exc:
            raise StepError(str(exc.at(ctx.where("condition"))), code=f"expression_{exc.kind}") from None
