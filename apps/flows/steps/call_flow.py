"""``call_flow``: run another flow of the workspace as a sub-routine and use its output.

The child run is started once (its dedupe key is this step's idempotency
key, so a resumed parent never starts a second child) and the parent waits
until the child's end resolves the wait (``engine.children.notify_parent``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.forms.conversion import json_value

from ..engine import runner
from ..engine.signals import StepError
from ..models import Flow, Run, RunStatus
from ._keys import short_key
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker


@step_types.register
class CallFlow(StepType):
    type = "call_flow"
    label = gettext_lazy("Call another flow")
    schema = {"flow": {"type": "string", "pattern": r"^[a-z][a-z0-9_]{0,63}$"}, "input": {"type": ["object", "string"]}}
    required = ("flow",)
    waits = True

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        super().check(step, path, checker)
        if step.get("flow") == checker.definition.get("key"):
            checker.error(f"{path}.flow", _("a flow cannot call itself"))

    def execute(self, step: dict, ctx: StepContext) -> Any:
        if ctx.state.in_transaction or ctx.run is None:
            raise StepError(_("%(where)s: a before-save flow cannot call another flow") % {"where": ctx.where()},
                            code="cannot_wait")
        flow = Flow.objects.filter(workspace=ctx.workspace, key=step["flow"]).first()
        if flow is None:
            raise StepError(_("%(where)s: no flow '%(key)s' in this workspace") % {
                "where": ctx.where("flow"), "key": step["flow"]}, code="flow_not_found")
        result = self._started_or_result(flow, step, ctx)
        if result.get("status") != RunStatus.SUCCEEDED:
            error = result.get("error") or {}
            raise StepError(_("%(where)s: the called flow '%(key)s' %(status)s: %(message)s") % {
                "where": ctx.where(), "key": flow.key, "status": result.get("status"),
                "message": error.get("message", "")}, code="child_failed",
                details={"child_run": result.get("run"), "child_error": error})
        return result.get("output")

    @staticmethod
    def _started_or_result(flow: Flow, step: dict, ctx: StepContext) -> dict:
        """Start the child unless this step already did; then its end result, or park until it ends."""
        key = short_key(ctx.idempotency_key())
        if not Run.objects.filter(flow=flow, dedupe_key=key).exists():
            if not flow.active:
                raise StepError(_("%(where)s: the flow '%(key)s' is disabled or paused") % {
                    "where": ctx.where("flow"), "key": flow.key}, code="flow_inactive", retryable=True)
            payload = ctx.option("input", {}) or {}
            if not isinstance(payload, dict):
                raise StepError(_("%(where)s: must be a mapping") % {"where": ctx.where("input")},
                                code="invalid_option")
            trigger = {"type": "call", "parent_run": ctx.run.pk, "parent_flow": ctx.state.flow_key}
            runner.start_run(flow, trigger=trigger, input_={**json_value(payload), "trigger": trigger}, dedupe_key=key,
                             actor=ctx.actor, parent=ctx.run, parent_step=ctx.path)
        return ctx.wait("child")
