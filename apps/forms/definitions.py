"""Checking a form definition and evolving it from one version to the next."""

from __future__ import annotations

import copy
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import ValidationError as SchemaError

from apps.core.errors import ErrorCollector, ValidationFailed, join_path

from .fields.base import DefinitionContext, field_types
from .schema import KEY_PATTERN, RESERVED_KEYS, form_schema

_validator: Draft202012Validator | None = None


def schema_validator() -> Draft202012Validator:
    global _validator
    if _validator is None:
        _validator = Draft202012Validator(form_schema())
    return _validator


def json_path(parts) -> str:
    path = ""
    for part in parts:
        path = f"{path}[{part}]" if isinstance(part, int) else join_path(path, str(part))
    return path


def schema_message(error: SchemaError) -> str:
    """A translated message for the common JSON Schema failures."""
    v, expected = error.validator, error.validator_value
    if v == "required":
        missing = error.message.split("'")[1] if "'" in error.message else ""
        return _("'%(key)s' is required") % {"key": missing}
    if v == "additionalProperties":
        extra = sorted(set(error.instance) - set(error.schema.get("properties", {})))
        return _("unknown option(s): %(keys)s") % {"keys": ", ".join(extra)}
    if v == "type":
        return _("must be of type %(type)s") % {"type": expected}
    if v in ("enum", "const"):
        allowed = expected if isinstance(expected, list) else [expected]
        return _("must be one of: %(values)s") % {"values": ", ".join(map(str, allowed))}
    if v == "pattern":
        if expected == KEY_PATTERN:
            return _("must be lower-case letters, digits and _, starting with a letter (at most 64)")
        return _("must match the pattern %(pattern)s") % {"pattern": expected}
    if v == "not":
        return _("is a reserved name; reserved: %(names)s") % {"names": ", ".join(RESERVED_KEYS)}
    if v in ("minimum", "maximum", "minLength", "maxLength", "minItems", "maxItems"):
        return _("violates %(rule)s = %(value)s") % {"rule": v, "value": expected}
    return error.message


def _leaf_errors(error: SchemaError):
    if error.context:
        for sub in error.context:
            yield from _leaf_errors(sub)
    else:
        yield error


def check_definition(definition: Any, ctx: DefinitionContext) -> None:
    """Raise ValidationFailed naming every problem of ``definition`` by its path."""
    errors = ErrorCollector()
    if not isinstance(definition, dict):
        raise ValidationFailed({"definition": [_("must be a JSON object")]})
    for error in schema_validator().iter_errors(definition):
        for leaf in _leaf_errors(error):
            errors.add(json_path(leaf.absolute_path), schema_message(leaf))
    if errors:
        errors.raise_if_any()
    _check_fields(definition["fields"], "fields", ctx, errors)
    active = {f["key"]: f for f in definition["fields"] if not f.get("removed")}
    for index, key in enumerate(definition.get("unique_key", [])):
        field = active.get(key)
        if field is None:
            errors.add(f"unique_key[{index}]", _("'%(key)s' is not a field of this form") % {"key": key})
        elif not field_types.get(field["type"]).can_be_unique:
            errors.add(f"unique_key[{index}]", _("a %(type)s field cannot be part of a unique key") % {"type": field["type"]})
    title = definition.get("title_field")
    if title and title not in active:
        errors.add("title_field", _("'%(key)s' is not a field of this form") % {"key": title})
    errors.raise_if_any()


def _check_fields(fields: list[dict], prefix: str, ctx: DefinitionContext, errors: ErrorCollector) -> None:
    seen: set[str] = set()
    for index, field in enumerate(fields):
        path = f"{prefix}[{index}]"
        if field["key"] in seen:
            errors.add(f"{path}.key", _("'%(key)s' is used by another field") % {"key": field["key"]})
        seen.add(field["key"])
        ftype = field_types.get(field["type"])
        errors.merge(ftype.check_definition(field, ctx), path)
        if field.get("unique") and not ftype.can_be_unique:
            errors.add(f"{path}.unique", _("a %(type)s field cannot be unique") % {"type": field["type"]})
        if isinstance(field.get("fields"), list):
            _check_fields(field["fields"], f"{path}.fields", ctx, errors)


def evolve(previous: dict | None, new: dict) -> dict:
    """The definition to store: ``new`` plus the fields it dropped, marked removed.

    Keeping dropped fields (and their data) means removing a field is never
    destructive and restoring it brings the data back.
    """
    result = copy.deepcopy(new)
    if previous is None:
        return result
    keys = {f["key"] for f in result["fields"]}
    for field in previous["fields"]:
        if field["key"] not in keys:
            result["fields"].append({**copy.deepcopy(field), "removed": True})
    return result


def changed_fields(previous: dict, new: dict) -> list[dict]:
    """Active fields of ``new`` whose definition differs from a field of the same key in ``previous``."""
    before = {f["key"]: f for f in previous["fields"]}
    out = []
    for field in new["fields"]:
        if field.get("removed") or field["key"] not in before:
            continue
        old = {k: v for k, v in before[field["key"]].items() if k not in ("label", "help", "removed", "width", "hidden")}
        cur = {k: v for k, v in field.items() if k not in ("label", "help", "removed", "width", "hidden")}
        if old != cur:
            out.append(field)
    return out
