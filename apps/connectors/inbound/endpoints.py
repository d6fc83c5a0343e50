"""Creating, changing and rotating inbound endpoints, and sending deliveries round again.

An endpoint is checked whole before it is saved: the verification mode and
its options, the target (a form, with a mapping whose keys are its fields and
whose values compile, or a flow started by webhooks), the adapter and the
guard fields. Errors name the offending key (``mapping.total``, ``verification.header``).
"""

from __future__ import annotations

import secrets
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from apps.accounts.models import Member, Workspace
from apps.audit import services as audit
from apps.core.errors import ErrorCollector, ValidationFailed
from apps.core.signing import new_secret
from apps.flows.models import Flow
from apps.forms.models import Form
from apps.forms.selectors import active_fields
from apps.vault import selectors as vault_selectors

from ..errors import EndpointNotFound, EndpointOfFlow, KeyTaken
from ..models import Delivery, DeliveryStatus, Endpoint
from ..verification import modes
from . import intake
from .flow_triggers import is_flow_trigger
from .kick import process_soon
from .mapping import mapping_problems

FIELDS = ("key", "name", "verification", "secret", "adapter", "form", "mapping", "guard", "flow",
          "max_body_bytes", "enabled")
REPROCESSABLE = (DeliveryStatus.PROCESSED, DeliveryStatus.FAILED, DeliveryStatus.SKIPPED)


def get_endpoint(workspace: Workspace, key: str) -> Endpoint:
    endpoint = Endpoint.objects.filter(workspace=workspace, key=key).select_related("form", "flow").first()
    if endpoint is None:
        raise EndpointNotFound()
    return endpoint


def generated_secret(mode: str) -> str:
    return new_secret() if mode == "standard_webhooks" else secrets.token_urlsafe(32)


@transaction.atomic
def create_endpoint(workspace: Workspace, data: Any, *, member: Member | None) -> Endpoint:
    values = clean(workspace, data, None)
    try:
        with transaction.atomic():
            endpoint = Endpoint.objects.create(workspace=workspace, created_by=member, **values)
    except IntegrityError:
        raise KeyTaken(errors={"key": [KeyTaken.default_message]}) from None
    audit.record(workspace, member, "endpoint.created", endpoint, {"after": _audited(values)})
    return endpoint


@transaction.atomic
def update_endpoint(endpoint: Endpoint, data: Any, *, member: Member | None) -> Endpoint:
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    _not_of_a_flow(endpoint)
    values = clean(endpoint.workspace, data, endpoint)
    before = {name: getattr(endpoint, name) for name in values}
    for name, value in values.items():
        setattr(endpoint, name, value)
    try:
        with transaction.atomic():
            endpoint.save()
    except IntegrityError:
        raise KeyTaken(errors={"key": [KeyTaken.default_message]}) from None
    audit.record(endpoint.workspace, member, "endpoint.updated", endpoint,
                 {"before": _audited(before), "after": _audited(values)})
    transaction.on_commit(lambda: intake.forget(endpoint.token))
    return endpoint


@transaction.atomic
def delete_endpoint(endpoint: Endpoint, *, member: Member | None) -> None:
    _not_of_a_flow(endpoint)
    audit.record(endpoint.workspace, member, "endpoint.deleted", endpoint)
    token = endpoint.token
    endpoint.delete()
    transaction.on_commit(lambda: intake.forget(token))


@transaction.atomic
def rotate_secret(endpoint: Endpoint, *, overlap_seconds: int, member: Member | None,
                  secret: str | None = None) -> Endpoint:
    """A new secret now; the old one is still accepted for ``overlap_seconds`` while senders switch."""
    if not 0 <= overlap_seconds <= 7 * 86400:
        raise ValidationFailed({"overlap_seconds": [_("must be between 0 and 604800 (7 days)")]})
    if vault_selectors.is_reference(secret):
        secret = _reference(endpoint.workspace, secret, ErrorCollector(), raise_now=True)
    elif secret is not None and (not isinstance(secret, str) or len(secret) < 16):
        raise ValidationFailed({"secret": [_("must be at least 16 characters")]})
    endpoint = Endpoint.objects.select_for_update().get(pk=endpoint.pk)
    _not_of_a_flow(endpoint)
    endpoint.previous_secret = endpoint.secret
    endpoint.previous_secret_expires_at = timezone.now() + timedelta(seconds=overlap_seconds)
    endpoint.secret = secret or generated_secret(endpoint.verification.get("mode", ""))
    endpoint.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    audit.record(endpoint.workspace, member, "endpoint.secret_rotated", endpoint,
                 {"overlap_seconds": overlap_seconds})
    transaction.on_commit(lambda: intake.forget(endpoint.token))
    return endpoint


@transaction.atomic
def reprocess(deliveries, *, member: Member | None) -> int:
    """Send deliveries round again (after the mapping was fixed); rejected ones never had a body to process."""
    ids = list(deliveries.filter(status__in=REPROCESSABLE).values_list("pk", flat=True)[:100000])
    count = Delivery.objects.filter(pk__in=ids).update(status=DeliveryStatus.RECEIVED, error=None,
                                                       processed_at=None)
    if count:
        transaction.on_commit(process_soon)
    return count


def _not_of_a_flow(endpoint: Endpoint) -> None:
    if is_flow_trigger(endpoint):
        raise EndpointOfFlow()


def _audited(values: dict) -> dict:
    shown = {k: (v.pk if hasattr(v, "pk") else v) for k, v in values.items()}
    if "secret" in shown:
        shown["secret"] = "***"
    return shown


def clean(workspace: Workspace, data: Any, endpoint: Endpoint | None) -> dict[str, Any]:
    """The model values of ``data`` (all of them on create, the given ones on update), or ValidationFailed."""
    if not isinstance(data, dict):
        raise ValidationFailed({"body": [_("must be a JSON object")]})
    errors = ErrorCollector()
    for name in sorted(set(data) - set(FIELDS)):
        errors.add(name, _("is not a property of an endpoint"))
    current = _current(endpoint)
    merged = {**current, **data}
    values: dict[str, Any] = {}
    key = merged.get("key")
    if not isinstance(key, str) or not key or slugify(key) != key or len(key) > 80:
        errors.add("key", _("must be a slug of letters, digits, '-' and '_' (at most 80)"))
    values["key"] = key
    name = merged.get("name") or key
    if not isinstance(name, str) or len(name) > 200:
        errors.add("name", _("must be text of at most 200 characters"))
    values["name"] = name
    values["adapter"] = _adapter(merged.get("adapter") or "", errors)
    values["verification"] = _verification(merged.get("verification"), values["adapter"], errors)
    values["secret"] = _secret(workspace, merged.get("secret"), values["verification"], errors)
    form, flow = _target(workspace, merged, errors)
    values["form"], values["flow"] = form, flow
    values["mapping"] = _mapping(merged.get("mapping") or {}, form, errors)
    values["guard"] = _guard(merged.get("guard") or [], form, errors)
    size, most = merged.get("max_body_bytes", 1024 * 1024), settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    if isinstance(size, bool) or not isinstance(size, int) or not 1 <= size <= most:
        errors.add("max_body_bytes", _("must be a whole number from 1 to %(n)d") % {"n": most})
    values["max_body_bytes"] = size
    enabled = merged.get("enabled", True)
    if not isinstance(enabled, bool):
        errors.add("enabled", _("must be true or false"))
    values["enabled"] = enabled
    errors.raise_if_any()
    if endpoint is not None:
        values = {k: v for k, v in values.items() if k in data or k in ("verification", "secret")}
        if values.get("secret") == endpoint.secret:
            values.pop("secret")
    return values


def _current(endpoint: Endpoint | None) -> dict[str, Any]:
    if endpoint is None:
        return {}
    return {"key": endpoint.key, "name": endpoint.name, "verification": endpoint.verification,
            "secret": endpoint.secret, "adapter": endpoint.adapter,
            "form": endpoint.form.key if endpoint.form_id else None,
            "flow": endpoint.flow.key if endpoint.flow_id else None, "mapping": endpoint.mapping,
            "guard": endpoint.guard, "max_body_bytes": endpoint.max_body_bytes, "enabled": endpoint.enabled}


def _adapter(key: Any, errors: ErrorCollector) -> str:
    if not key:
        return ""
    from ..adapters import adapter_keys

    known = set(adapter_keys())
    if key not in known:
        errors.add("adapter", _("unknown channel adapter '%(key)s' (known: %(known)s)")
                   % {"key": key, "known": ", ".join(sorted(known))})
        return ""
    return str(key)


def _verification(value: Any, adapter: str, errors: ErrorCollector) -> dict:
    if value is None and adapter:
        from ..adapters import get_adapter

        value = ((get_adapter(adapter).get("intake") or {}).get("verification")) or None
    if value is None:
        value = {"mode": "standard_webhooks"}
    if not isinstance(value, dict) or value.get("mode") not in modes:
        errors.add("verification.mode", _("must be one of: %(modes)s")
                   % {"modes": ", ".join(m.type for m in modes.all())})
        return value if isinstance(value, dict) else {}
    mode = modes.get(value["mode"])
    schema = {"type": "object", "properties": {"mode": {}, **mode.schema}, "required": list(mode.required),
              "additionalProperties": False}
    for problem in Draft202012Validator(schema).iter_errors(value):
        where = ".".join(str(p) for p in problem.absolute_path)
        if problem.validator == "additionalProperties":
            for extra in sorted(set(value) - set(schema["properties"])):
                errors.add(f"verification.{extra}", _("is not an option of the %(mode)s mode") % {"mode": mode.type})
        elif problem.validator == "required":
            errors.add("verification", problem.message)
        else:
            errors.add(f"verification.{where}" if where else "verification", problem.message)
    return value


def _secret(workspace: Workspace, value: Any, verification: dict, errors: ErrorCollector) -> str:
    """The secret as stored: a value, or a vault reference (``{"secret": name}``) kept as its text."""
    if value in (None, ""):
        return generated_secret(verification.get("mode", ""))
    if vault_selectors.is_reference(value) or vault_selectors.from_text(value) is not None:
        return _reference(workspace, vault_selectors.from_text(value) or value, errors)
    if not isinstance(value, str) or not 16 <= len(value) <= 500:
        errors.add("secret", _("must be text of 16 to 500 characters"))
        return ""
    if verification.get("mode") == "standard_webhooks":
        from apps.core.signing import secret_bytes

        try:
            secret_bytes(value)
        except ValueError as exc:
            errors.add("secret", str(exc))
    return value


def _reference(workspace: Workspace, value: dict, errors: ErrorCollector, *, raise_now: bool = False) -> str:
    """A vault reference, checked to name a secret of the workspace; resolved when a delivery is verified."""
    name = vault_selectors.reference_name(value)
    if not vault_selectors.exists(workspace, name):
        errors.add("secret", _("no secret '%(name)s' in this workspace") % {"name": name})
        if raise_now:
            errors.raise_if_any()
    return vault_selectors.as_text(value)


def _target(workspace: Workspace, merged: dict, errors: ErrorCollector) -> tuple[Form | None, Flow | None]:
    form_key, flow_key = merged.get("form"), merged.get("flow")
    if bool(form_key) == bool(flow_key):
        errors.add("form", _("give either a form or a flow for the deliveries"))
        return None, None
    if form_key:
        form = Form.objects.filter(workspace=workspace, key=form_key).first() if isinstance(form_key, str) else None
        if form is None:
            errors.add("form", _("no form '%(key)s' in this workspace") % {"key": form_key})
        return form, None
    flow = Flow.objects.filter(workspace=workspace, key=flow_key).first() if isinstance(flow_key, str) else None
    if flow is None:
        errors.add("flow", _("no flow '%(key)s' in this workspace") % {"key": flow_key})
    elif flow.trigger_type != "webhook":
        errors.add("flow", _("the flow '%(key)s' is not started by a webhook") % {"key": flow_key})
    return None, flow


def _mapping(mapping: Any, form: Form | None, errors: ErrorCollector) -> dict:
    if not isinstance(mapping, dict):
        errors.add("mapping", _("must be an object of field key → value or {{ expression }}"))
        return {}
    keys = {f["key"] for f in active_fields(form.definition["fields"])} if form else None
    for key in mapping:
        if keys is not None and key not in keys:
            errors.add(f"mapping.{key}", _("is not a field of the form '%(form)s'") % {"form": form.key})
    for key, problem in mapping_problems(mapping).items():
        errors.add(f"mapping.{key}", problem)
    return mapping


def _guard(guard: Any, form: Form | None, errors: ErrorCollector) -> list:
    if not isinstance(guard, list) or not all(isinstance(k, str) for k in guard):
        errors.add("guard", _("must be a list of field keys"))
        return []
    keys = {f["key"] for f in active_fields(form.definition["fields"])} if form else set()
    for index, key in enumerate(guard):
        if form is not None and key not in keys:
            errors.add(f"guard[{index}]", _("is not a field of the form '%(form)s'") % {"form": form.key})
    if guard and form is not None and not form.definition.get("unique_key"):
        errors.add("guard", _("needs a form with a unique key (the guard compares with the stored record)"))
    return guard
