"""``approval``: a person decides (a refund above a limit, an order flagged as fraud) before the flow goes on.

The step writes a Wait of kind ``approval`` listing the approvers and notifies
them; ``decide`` (called by the inbox pages and the API) resolves it once and
wakes the run. An unanswered approval ends as ``on_timeout`` says when its
timeout passes (the run's timer wakes it).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Member
from apps.core.errors import Conflict, NotFound, PermissionDenied, ValidationFailed

from ..engine.children import wake
from ..engine.signals import StepError
from ..models import Wait
from ._people import PEOPLE, export_people, import_people, members, render
from ._timeouts import TIMEOUT_OPTION, deadline
from .base import StepType, step_types
from .notify import notify

if TYPE_CHECKING:
    from apps.forms.fields import TransferContext

    from ..engine.context import StepContext
    from ..validation import FlowChecker

DECISIONS = {"approve": "approved", "approved": "approved", "reject": "rejected", "rejected": "rejected"}


class ApprovalNotFound(NotFound):
    code = "approval_not_found"
    default_message = gettext_lazy("No such approval in this workspace.")


class NotAnApprover(PermissionDenied):
    code = "not_an_approver"
    default_message = gettext_lazy("Only the people asked to approve can decide.")


class AlreadyDecided(Conflict):
    code = "already_decided"
    default_message = gettext_lazy("This approval was already decided.")


@transaction.atomic
def decide(wait_id: int, member: Member, decision: str, comment: str = "") -> Wait:
    """Record one approver's decision and wake the run; the first decision wins, later ones are refused."""
    wait = Wait.objects.select_for_update().filter(pk=wait_id, workspace_id=member.workspace_id,
                                                   kind=Wait.Kind.APPROVAL).first()
    if wait is None:
        raise ApprovalNotFound()
    if member.pk not in (wait.match or {}).get("approvers", []):
        raise NotAnApprover()
    if wait.resolved_at is not None:
        raise AlreadyDecided()
    if decision not in DECISIONS:
        raise ValidationFailed({"decision": [_("must be 'approved' or 'rejected'")]})
    wait.resolved_at = timezone.now()
    wait.result = {"decision": DECISIONS[decision], "by": member.pk, "comment": str(comment or "")[:2000]}
    wait.save(update_fields=["resolved_at", "result"])
    wake(wait.run_id)
    return wait


@step_types.register
class Approval(StepType):
    type = "approval"
    label = gettext_lazy("Approval")
    schema = {
        "approvers": PEOPLE,
        "title": {"type": "string", "minLength": 1, "maxLength": 300},
        "body": {"type": "string", "maxLength": 20000},
        "timeout_seconds": TIMEOUT_OPTION,
        "on_timeout": {"enum": ["reject", "approve", "fail"]},
    }
    required = ("approvers", "title")
    waits = True

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        checker.check_expressions(step.get("approvers"), f"{path}.approvers")
        checker.expression(step.get("title"), f"{path}.title")
        checker.expression(step.get("body"), f"{path}.body", mode="template")
        checker.expression(step.get("timeout_seconds"), f"{path}.timeout_seconds")

    def export(self, step: dict, ctx: TransferContext) -> dict:
        return export_people(step, "approvers", ctx)

    def import_(self, step: dict, ctx: TransferContext) -> dict:
        return import_people(step, "approvers", ctx)

    def execute(self, step: dict, ctx: StepContext) -> Any:
        if ctx.state.in_transaction or ctx.run is None:
            raise StepError(_("%(where)s: a before-save flow cannot wait") % {"where": ctx.where()},
                            code="cannot_wait")
        journal = ctx.state.journal
        first = not Wait.objects.filter(run=ctx.run, path=ctx.path).exists()
        if first:
            people = members(ctx, "approvers")
            title = str(ctx.option("title"))
            wait = journal.wait(ctx.path, "approval", deadline(ctx),
                                {"approvers": [m.pk for m in people], "title": title})
            wait_id = Wait.objects.filter(run=ctx.run, path=ctx.path).values_list("pk", flat=True).get()
            notify(ctx, people, title, render(ctx, step.get("body", ""), "body"), ["in_app", "email"],
                   link=f"/approvals/{wait_id}")
        else:
            wait = journal.wait(ctx.path, "approval", None, {})
        if not wait.resolved and wait.wake_at is not None and wait.wake_at <= timezone.now():
            return self._timed_out(step, ctx)
        return ctx.wait("approval")

    @staticmethod
    def _timed_out(step: dict, ctx: StepContext) -> dict:
        outcome = step.get("on_timeout", "reject")
        if outcome == "fail":
            raise StepError(_("%(where)s: nobody decided before the timeout") % {"where": ctx.where()},
                            code="approval_timed_out")
        result = {"decision": DECISIONS[outcome], "by": None, "comment": "", "timed_out": True}
        ctx.state.journal.resolve(ctx.path, result)
        return result
