"""Flow use cases: definitions (save, validated and versioned; delete; pause and resume; export and
import for templates) and runs.

Other apps and the API start, wake, cancel and retry runs through here, never
through the engine or the triggers themselves.
"""

from __future__ import annotations

import copy
from collections.abc import Callable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import Member, Workspace
from apps.audit import services as audit
from apps.core.errors import ErrorCollector, ValidationFailed
from apps.forms.fields import TransferContext
from apps.forms.models import App, Form
from apps.forms.services.forms import label_text

from . import hooks
from .engine import breaker, runner
from .errors import FlowKeyTaken, FlowNotFound, RunNotActive, RunNotRetryable
from .masking import audit_changes, for_audit
from .models import Flow, FlowVersion, Run, Wait
from .steps.approval import decide
from .steps.base import StepType, step_types
from .triggers.base import trigger_types
from .triggers.manual import start_manual
from .triggers.webhook import selected_headers
from .validation import check_flow


def get_flow(workspace: Workspace, key: str) -> Flow:
    flow = Flow.objects.filter(workspace=workspace, key=key).first()
    if flow is None:
        raise FlowNotFound()
    return flow


def validate(workspace: Workspace, definition) -> None:
    errors = check_flow(workspace, definition)
    errors.raise_if_any()


def _trigger_form(workspace: Workspace, definition: dict) -> Form | None:
    key = trigger_types.get(definition["trigger"]["type"]).form_key(definition["trigger"])
    return Form.objects.filter(workspace=workspace, key=key).first() if key else None


@transaction.atomic
def create_flow(workspace: Workspace, definition: dict, *, member: Member | None, app: App | None = None,
                enabled: bool = True) -> Flow:
    validate(workspace, definition)
    try:
        with transaction.atomic():
            flow = Flow.objects.create(
                workspace=workspace, app=app, key=definition["key"], name=label_text(definition["name"])[:200],
                definition=definition, version=1, trigger_type=definition["trigger"]["type"],
                trigger_form=_trigger_form(workspace, definition), owner=member, enabled=enabled)
    except IntegrityError:
        raise FlowKeyTaken(errors={"key": [FlowKeyTaken.default_message]}) from None
    FlowVersion.objects.create(flow=flow, version=1, definition=definition, created_by=member)
    trigger_types.get(flow.trigger_type).installed(flow)
    hooks.flow_saved(flow)
    audit.record(workspace, member, "flow.created", flow, {"definition": for_audit(definition)})
    return flow


@transaction.atomic
def update_flow(flow: Flow, definition: dict, *, member: Member | None) -> Flow:
    """Save a new version; runs already started finish on the version they began with."""
    flow = Flow.objects.select_for_update().get(pk=flow.pk)
    if isinstance(definition, dict) and definition.get("key", flow.key) != flow.key:
        raise ValidationFailed({"key": [_("the key of a flow cannot change")]})
    definition = {**definition, "key": flow.key} if isinstance(definition, dict) else definition
    validate(flow.workspace, definition)
    if definition == flow.definition:
        return flow
    old_type = flow.trigger_type
    diff = audit_changes(flow.definition, definition,
                         audit.json_diff(for_audit(flow.definition), for_audit(definition)))
    flow.definition = definition
    flow.version += 1
    flow.name = label_text(definition["name"])[:200]
    flow.trigger_type = definition["trigger"]["type"]
    flow.trigger_form = _trigger_form(flow.workspace, definition)
    flow.save()
    FlowVersion.objects.create(flow=flow, version=flow.version, definition=definition, created_by=member)
    if old_type != flow.trigger_type:
        trigger_types.get(old_type).removed(flow)
    trigger_types.get(flow.trigger_type).installed(flow)
    hooks.flow_saved(flow)
    audit.record(flow.workspace, member, "flow.updated", flow, {"version": flow.version, "changes": diff})
    return flow


def export_definition(definition: dict, ctx: TransferContext) -> dict:
    """The flow with the ids of ``ctx.workspace`` its steps hold turned into keys, for a template.

    ``ValidationFailed`` names, by path, every id that cannot travel.
    """
    return _transfer(definition, lambda stype, step: stype.export(step, ctx))


def import_definition(definition: dict, ctx: TransferContext) -> dict:
    """An exported flow with its keys resolved in ``ctx.workspace``; ``ValidationFailed`` names the rest."""
    return _transfer(definition, lambda stype, step: stype.import_(step, ctx))


def _transfer(definition: dict, hook: Callable[[StepType, dict], dict]) -> dict:
    errors = ErrorCollector()
    result = copy.deepcopy(definition)
    _transfer_sequence(result.get("steps") or [], "steps", hook, errors)
    errors.raise_if_any()
    return result


def _transfer_sequence(steps: list[dict], path: str, hook: Callable[[StepType, dict], dict],
                       errors: ErrorCollector) -> None:
    """Replaces each step in place, then walks its child sequences (the lists of the replaced step)."""
    for index, step in enumerate(steps):
        where = f"{path}[{index}]"
        stype = step_types.get(step["type"])
        try:
            steps[index] = step = hook(stype, step)
        except ValidationFailed as exc:
            errors.merge(exc.errors, where)
        on_error = step.get("on_error")
        if isinstance(on_error, dict) and isinstance(on_error.get("steps"), list):
            _transfer_sequence(on_error["steps"], f"{where}.on_error.steps", hook, errors)
        for name, children in stype.children(step):
            _transfer_sequence(children, f"{where}.{name}", hook, errors)


@transaction.atomic
def set_enabled(flow: Flow, enabled: bool, *, member: Member | None) -> Flow:
    flow.enabled = enabled
    flow.save(update_fields=["enabled", "updated_at"])
    ttype = trigger_types.get(flow.trigger_type)
    ttype.installed(flow) if enabled else ttype.removed(flow)
    hooks.flow_saved(flow)
    audit.record(flow.workspace, member, "flow.enabled" if enabled else "flow.disabled", flow)
    return flow


@transaction.atomic
def delete_flow(flow: Flow, *, member: Member | None) -> None:
    trigger_types.get(flow.trigger_type).removed(flow)
    hooks.flow_deleted(flow)
    audit.record(flow.workspace, member, "flow.deleted", flow, {"definition": for_audit(flow.definition)})
    flow.delete()


def resume_flow(flow: Flow, *, member: Member | None) -> Flow:
    """Close the breaker and send the runs that waited while the flow was paused."""
    breaker.resume(flow)
    runner.schedule_flow(flow.pk)
    audit.record(flow.workspace, member, "flow.resumed", flow)
    flow.refresh_from_db()
    return flow


# --- runs ------------------------------------------------------------------------------------------


def start_manual_run(flow: Flow, *, member: Member | None, record_id: Any = None, input: Any = None) -> Run:  # noqa: A002
    """A person starts a manual flow, optionally on one record of its form (see ``triggers.manual``)."""
    return start_manual(flow, member=member, record_id=record_id, input=input)


def start_delivery_run(flow: Flow, *, endpoint: str, delivery: int, attempt: int, headers: Mapping,
                       body: Any, order: dict | None) -> Run | None:
    """Queue the run of a stored inbound delivery (``endpoint`` is its key, ``delivery`` its id).

    The run sees the body, the adapter's canonical order and the headers a
    flow may see (never credentials). It is deduplicated per processing
    attempt (``delivery:<id>:<attempt>``): the same attempt made twice starts
    one run, and None is returned the second time.
    """
    meta = {"type": "webhook", "endpoint": endpoint, "delivery": delivery, "headers": selected_headers(headers)}
    return runner.start_run(flow, trigger=meta, input_={"trigger": meta, "body": body, "order": order},
                            dedupe_key=f"delivery:{delivery}:{attempt}")


def decide_approval(wait_id: int, member: Member, decision: str, comment: str = "") -> Wait:
    """An approver's decision: resolves the approval once and wakes its run (see ``steps.approval``)."""
    return decide(wait_id, member, decision, comment)


def cancel_run(run: Run) -> Run:
    """Cancel a queued, running or waiting run; its parent (if any) learns the outcome."""
    if not runner.cancel(run):
        raise RunNotActive()
    run.refresh_from_db()
    return run


def retry_run(run: Run) -> Run:
    """Run a failed run again from its failed step; the steps that succeeded are not repeated."""
    if not runner.retry(run):
        raise RunNotRetryable()
    run.refresh_from_db()
    return run
