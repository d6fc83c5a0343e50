"""Which field of the form plays which role: the caller's map over the canonical keys."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _

from apps.core.errors import ErrorCollector
from apps.forms.models import Form
from apps.forms.selectors import active_fields

from .roles import (
    AMOUNT,
    AMOUNT_TYPES,
    DATE,
    DATE_TYPES,
    MAPPABLE,
    NUMBER,
    ROLES,
    UNREADABLE_TYPES,
    WHOLE,
)

ACCEPTED_TYPES = {AMOUNT: AMOUNT_TYPES, NUMBER: AMOUNT_TYPES | {"text"}, WHOLE: AMOUNT_TYPES | {"text"},
                  DATE: DATE_TYPES}


def _refusal(role: str, field: dict) -> str | None:
    kind = ROLES[role].kind
    accepted = ACCEPTED_TYPES.get(kind)
    if field["type"] in UNREADABLE_TYPES or (accepted is not None and field["type"] not in accepted):
        if accepted is None:
            return _("a %(type)s field cannot be written in a journal") % {"type": field["type"]}
        return _("'%(key)s' is a %(type)s field; the %(role)s role needs one of: %(types)s") % {
            "key": field["key"], "type": field["type"], "role": role, "types": ", ".join(sorted(accepted))}
    return None


def resolve_field_map(form: Form, field_map: dict[str, Any] | None) -> dict[str, dict]:
    """Role → field definition. A role left out takes the field with its canonical key, if the form has one
    that fits; an empty value leaves the role unmapped. Every problem is named by ``map.<role>``."""
    field_map = field_map or {}
    fields = {f["key"]: f for f in active_fields(form.definition["fields"])}
    errors = ErrorCollector()
    resolved: dict[str, dict] = {}
    for role, key in field_map.items():
        where = f"map.{role}"
        if role not in ROLES:
            errors.add(where, _("unknown role '%(role)s'; roles: %(roles)s") % {"role": role,
                                                                             "roles": ", ".join(MAPPABLE)})
        elif ROLES[role].computed:
            errors.add(where, _("is calculated from the debit and credit and cannot be mapped"))
        elif not isinstance(key, str):
            errors.add(where, _("must be a field key"))
        elif key == "":
            continue
        elif key not in fields:
            errors.add(where, _("'%(key)s' is not a field of this form") % {"key": key})
        elif refusal := _refusal(role, fields[key]):
            errors.add(where, refusal)
        else:
            resolved[role] = fields[key]
    for name, role in ROLES.items():
        if name in field_map or role.computed:
            continue
        field = fields.get(role.field_key)
        if field is not None and _refusal(name, field) is None:
            resolved[name] = field
    for name, role in ROLES.items():
        if role.required and name not in resolved and f"map.{name}" not in errors.errors:
            errors.add(f"map.{name}", _("is required: map it to a field (the form has no field '%(key)s' "
                                        "to use by default)") % {"key": role.field_key})
    errors.raise_if_any()
    return resolved
