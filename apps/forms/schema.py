"""The JSON Schema of form definitions, assembled from the field-type registry.

``platform/schemas/form.schema.json`` is this document written to disk (by
``manage.py export_schemas``); a test keeps the two identical.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from .fields.base import field_types

KEY_PATTERN = "^[a-z][a-z0-9_]{0,63}$"
RESERVED_KEYS = sorted(
    {"id", "version", "form_version", "created_at", "updated_at", "created_by", "updated_by",
     "sort", "limit", "cursor", "view", "format", "fields", "include_removed", "q"}
)

LABEL = {
    "oneOf": [
        {"type": "string", "minLength": 1, "maxLength": 200},
        {
            "type": "object",
            "properties": {"en": {"type": "string", "maxLength": 200}, "zh-hans": {"type": "string", "maxLength": 200}},
            "additionalProperties": False,
            "minProperties": 1,
        },
    ]
}

COMMON_FIELD_PROPERTIES: dict[str, Any] = {
    "key": {"type": "string", "pattern": KEY_PATTERN, "not": {"enum": RESERVED_KEYS}},
    "type": {"type": "string"},
    "label": {"$ref": "#/$defs/label"},
    "help": {"$ref": "#/$defs/label"},
    "required": {"type": "boolean"},
    "unique": {"type": "boolean"},
    "default": {},
    "hidden": {"type": "boolean"},
    "removed": {"type": "boolean"},
    "width": {"type": "integer", "minimum": 1, "maximum": 12},
}


@cache
def form_schema() -> dict[str, Any]:
    defs: dict[str, Any] = {"label": LABEL}
    branches = []
    for ftype in sorted(field_types.all(), key=lambda t: t.type):
        name = f"field_{ftype.type.replace('-', '_')}"
        defs[name] = {
            "type": "object",
            "properties": {**COMMON_FIELD_PROPERTIES, "type": {"const": ftype.type}, **ftype.options_schema},
            "required": ["key", "type"],
            "additionalProperties": False,
        }
        branches.append({"if": {"properties": {"type": {"const": ftype.type}}}, "then": {"$ref": f"#/$defs/{name}"}})
    defs["field"] = {
        "type": "object",
        "required": ["key", "type"],
        "properties": {"key": COMMON_FIELD_PROPERTIES["key"], "type": {"enum": field_types.types()}},
        "allOf": branches,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://weft.dev/platform/schemas/form.schema.json",
        "title": "Weft form definition",
        "type": "object",
        "required": ["key", "name", "fields"],
        "properties": {
            "key": {"type": "string", "pattern": KEY_PATTERN},
            "name": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/label"},
            "fields": {"type": "array", "items": {"$ref": "#/$defs/field"}, "maxItems": 500},
            "unique_key": {"type": "array", "items": {"type": "string"}, "minItems": 1, "maxItems": 6, "uniqueItems": True},
            "title_field": {"type": "string"},
            "layout": {"type": "array"},
            "rules": {"type": "array"},
        },
        "additionalProperties": False,
        "$defs": defs,
    }
