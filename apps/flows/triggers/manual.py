"""Starting a manual flow for a person, optionally on one record of the trigger's form."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.accounts.models import Member
from apps.core.errors import Conflict, ValidationFailed
from apps.forms.changes import record_snapshot
from apps.forms.errors import RecordNotFound
from apps.forms.models import Record

from ..engine.runner import start_run
from ..errors import FlowInactive
from ..models import Flow, Run
from .manual_trigger import ManualTrigger


class NotManual(Conflict):
    code = "flow_not_manual"
    default_message = gettext_lazy("This flow is not started by hand.")


def start_manual(flow: Flow, *, member: Member | None, record_id: Any = None, input: Any = None) -> Run:  # noqa: A002
    """Queue a run started by ``member``; ``input`` adds values next to ``trigger`` and ``record``.

    With ``record_id`` the record must belong to the trigger's form in the
    flow's workspace: anything else answers 404, so ids of other workspaces
    reveal nothing.
    """
    if flow.trigger_type != ManualTrigger.type:
        raise NotManual()
    if not flow.active:
        raise FlowInactive()
    if input is not None and not isinstance(input, dict):
        raise ValidationFailed({"input": [_("must be an object")]})
    trigger = flow.definition.get("trigger") or {}
    meta = {"type": ManualTrigger.type, "by": member.pk if member is not None else None}
    data: dict[str, Any] = {**(input or {}), "trigger": meta}
    if record_id not in (None, ""):
        form = flow.trigger_form
        record = _record(flow, record_id)
        if form is None or record is None or record.form_id != form.pk:
            raise RecordNotFound()
        data["record"] = record_snapshot(form, record)
        meta["record"] = record.pk
    elif trigger.get("form"):
        raise ValidationFailed({"record": [_("is required: this flow runs on a record of the form '%(form)s'")
                                           % {"form": trigger["form"]}]})
    run = start_run(flow, trigger=meta, input_=data, actor=member)
    if run is None:  # cannot happen: without a dedupe key a run is always created
        raise RuntimeError("start_run created no run")
    return run


def _record(flow: Flow, record_id: Any) -> Record | None:
    try:
        pk = int(str(record_id).strip())
    except (TypeError, ValueError):
        return None
    return Record.objects.filter(pk=pk, workspace_id=flow.workspace_id).first()
