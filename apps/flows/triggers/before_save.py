"""Running before-save flows inside the record's transaction.

A before-save flow changes the record by leaving a mapping of field values in
the variable ``fields`` (``{"type": "set", "variables": {"fields": {"priority":
"high"}}}``); after the flow ends that mapping is merged into the data, which
the forms app validates again. A ``fail`` step refuses the change with its
message (under its ``field`` if it names one), and so does any other failing
step; the exception rolls back the record and everything the flow wrote.
Nothing is journaled: there is no Run row, the flow either completes with the
save or not at all.
"""

from __future__ import annotations

import uuid
from contextvars import ContextVar
from typing import Any

from django.utils.translation import gettext as _

from apps.core.errors import NON_FIELD, ValidationFailed
from apps.expressions import ExpressionError
from apps.forms.changes import typed
from apps.forms.conversion import json_value
from apps.forms.fields import field_types
from apps.forms.models import Form
from apps.forms.selectors import active_fields

from ..engine.context import RunState
from ..engine.interpreter import interpreter
from ..engine.journal import MemoryJournal
from ..engine.signals import RunFailed, StopSignal
from ..models import Flow
from . import conditions
from .before_save_trigger import BeforeSaveTrigger

FIELDS_VARIABLE = "fields"
MAX_DEPTH = 5
_depth: ContextVar[int] = ContextVar("before_save_depth", default=0)


def run_before_save_flows(form: Form, data: dict, *, before: dict | None, member: Any,
                          creating: bool) -> dict | None:
    """The data as changed by the form's before-save flows (None: unchanged); raises ValidationFailed to refuse."""
    flows = list(Flow.objects.filter(trigger_type=BeforeSaveTrigger.type, trigger_form=form, enabled=True,
                                     paused_at__isnull=True).select_related("owner").order_by("id"))
    if not flows:
        return None
    if _depth.get() >= MAX_DEPTH:
        # A flow that writes records of a form with before-save flows (its own, say) would recurse forever.
        raise ValidationFailed({NON_FIELD: [_("Before-save flows write records that run before-save flows "
                                              "%(n)d levels deep; the change is refused.") % {"n": MAX_DEPTH}]})
    event = "create" if creating else "update"
    current, changed = data, False
    token = _depth.set(_depth.get() + 1)
    try:
        for flow in flows:
            trigger = flow.definition.get("trigger") or {}
            if event not in (trigger.get("on") or ("create", "update")):
                continue
            fields = _run(flow, form, trigger, current, before, member, event)
            if fields:
                current, changed = {**current, **fields}, True
    finally:
        _depth.reset(token)
    return current if changed else None


def _run(flow: Flow, form: Form, trigger: dict, data: dict, before: dict | None, member: Any,
         event: str) -> dict:
    meta = {"type": BeforeSaveTrigger.type, "event": event, "form": form.key, "flow": flow.key}
    scope = {"trigger": meta, "record": typed(data, form), "previous": typed(before, form)}
    try:
        if not conditions.holds(trigger.get("condition"), scope):
            return {}
    except ExpressionError as exc:
        # Fail closed: a business rule that cannot be evaluated must not let the change through.
        raise ValidationFailed({NON_FIELD: [str(exc.at(f"flow '{flow.key}', trigger.condition"))]},
                               extra={"flow": flow.key}) from None
    state = RunState(workspace=form.workspace, flow_key=flow.key, definition=flow.definition,
                          journal=MemoryJournal(), input={"trigger": meta, "record": data, "previous": before},
                          actor=member or flow.owner, in_transaction=True,
                          local_id=f"before_save:{flow.pk}:{uuid.uuid4().hex}", form=form)
    try:
        interpreter.run(state)
    except StopSignal:
        pass
    except RunFailed as failed:
        raise _refusal(flow, failed.error) from None
    return _fields(flow, form, state.variables.get(FIELDS_VARIABLE))


def _refusal(flow: Flow, error: dict) -> ValidationFailed:
    """The failing step's message, where the submitter sees it."""
    message = error.get("message") or _("The change was refused by the flow '%(flow)s'.") % {"flow": flow.key}
    extra = {"flow": flow.key, "step": error.get("step", "")}
    if error.get("code") == "flow_failed":
        return ValidationFailed({error.get("field") or NON_FIELD: [message]}, extra=extra)
    nested = error.get("errors")
    if isinstance(nested, dict) and nested:
        # A refused step of another form (e.g. a counter guard): its messages say what went wrong.
        messages = [str(m) for msgs in nested.values() for m in (msgs if isinstance(msgs, list) else [msgs])]
        return ValidationFailed({NON_FIELD: messages}, extra=extra)
    return ValidationFailed({NON_FIELD: [message]}, extra=extra)


def _fields(flow: Flow, form: Form, values: Any) -> dict:
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ValidationFailed({NON_FIELD: [
            _("The flow '%(flow)s' set 'fields' to something other than a mapping of field keys to values.")
            % {"flow": flow.key}]})
    settable = {f["key"] for f in active_fields(form.definition["fields"])
                if field_types.get(f["type"]).stored_in_data and not field_types.get(f["type"]).computed}
    unknown = sorted(k for k in values if k not in settable)
    if unknown:
        raise ValidationFailed({NON_FIELD: [
            _("The flow '%(flow)s' sets %(keys)s, which this form has no field to hold.")
            % {"flow": flow.key, "keys": ", ".join(unknown)}]})
    return json_value(values)
