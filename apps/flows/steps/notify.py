"""``notify``: tell people something (an oversold SKU, an order past its SLA) in the app and by email."""

from __future__ import annotations

from functools import partial
from typing import TYPE_CHECKING, Any

from django.core.mail import EmailMessage, get_connection
from django.db import transaction
from django.utils.translation import gettext_lazy as _

from ..models import Notification
from ._people import PEOPLE, export_people, import_people, members, render
from .base import StepType, step_types

if TYPE_CHECKING:
    from apps.accounts.models import Member
    from apps.forms.fields import TransferContext

    from ..engine.context import StepContext
    from ..validation import FlowChecker


def send_emails(recipients: list[str], subject: str, body: str) -> None:
    """One message per recipient, so nobody sees the others' addresses."""
    messages = [EmailMessage(subject[:300], body, to=[address]) for address in recipients]
    with get_connection(fail_silently=True) as connection:
        connection.send_messages(messages)


def notify(ctx: StepContext, people: list[Member], title: str, body: str, channels: list[str],
           link: str = "") -> int:
    """Write in-app notifications now; send emails only once the step's transaction has committed.

    An email cannot be taken back, so a step that rolls back (and will run
    again) must not have sent one.
    """
    if "in_app" in channels:
        Notification.objects.bulk_create([
            Notification(workspace_id=ctx.workspace.pk, member=m, title=title[:300], body=body, link=link[:500],
                         run=ctx.run) for m in people])
    if "email" in channels:
        addresses = [m.user.email for m in people if m.user.email]
        if addresses:
            transaction.on_commit(partial(send_emails, addresses, title, body))
    return len(people)


@step_types.register
class Notify(StepType):
    type = "notify"
    label = _("Notify")
    schema = {
        "to": PEOPLE,
        "title": {"type": "string", "minLength": 1, "maxLength": 300},
        "body": {"type": "string", "maxLength": 20000},
        "channels": {"type": "array", "items": {"enum": ["in_app", "email"]}, "minItems": 1, "uniqueItems": True},
    }
    required = ("to", "title")

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        checker.check_expressions(step.get("to"), f"{path}.to")
        checker.expression(step.get("title"), f"{path}.title")
        checker.expression(step.get("body"), f"{path}.body", mode="template")

    def export(self, step: dict, ctx: TransferContext) -> dict:
        return export_people(step, "to", ctx)

    def import_(self, step: dict, ctx: TransferContext) -> dict:
        return import_people(step, "to", ctx)

    def execute(self, step: dict, ctx: StepContext) -> Any:
        people = members(ctx, "to")
        title = str(ctx.option("title"))
        body = render(ctx, step.get("body", ""), "body")
        sent = notify(ctx, people, title, body, step.get("channels") or ["in_app"])
        return {"sent": sent, "to": [m.pk for m in people]}
