"""Flow definition use cases: save (validated, versioned), delete, pause and resume."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from apps.accounts.models import Member, Workspace
from apps.audit import services as audit
from apps.core.errors import ValidationFailed
from apps.forms.models import App, Form
from apps.forms.services.forms import label_text

from .engine import breaker
from .errors import FlowKeyTaken, FlowNotFound
from .masking import audit_changes, for_audit
from .models import Flow, FlowVersion
from .triggers.base import trigger_types
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
    audit.record(flow.workspace, member, "flow.updated", flow, {"version": flow.version, "changes": diff})
    return flow


@transaction.atomic
def set_enabled(flow: Flow, enabled: bool, *, member: Member | None) -> Flow:
    flow.enabled = enabled
    flow.save(update_fields=["enabled", "updated_at"])
    ttype = trigger_types.get(flow.trigger_type)
    ttype.installed(flow) if enabled else ttype.removed(flow)
    audit.record(flow.workspace, member, "flow.enabled" if enabled else "flow.disabled", flow)
    return flow


@transaction.atomic
def delete_flow(flow: Flow, *, member: Member | None) -> None:
    trigger_types.get(flow.trigger_type).removed(flow)
    audit.record(flow.workspace, member, "flow.deleted", flow, {"definition": for_audit(flow.definition)})
    flow.delete()


def resume_flow(flow: Flow, *, member: Member | None) -> Flow:
    breaker.resume(flow)
    audit.record(flow.workspace, member, "flow.resumed", flow)
    flow.refresh_from_db()
    return flow
