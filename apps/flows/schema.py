"""The JSON Schema of flow definitions, assembled from the step and trigger registries.

``platform/schemas/flow.schema.json`` is this document on disk (``manage.py export_schemas``).
"""

from __future__ import annotations

from functools import cache
from typing import Any

from apps.forms.selectors import LABEL

from .steps.base import step_types
from .triggers.base import trigger_types

STEP_ID = "^[a-z][a-z0-9_]{0,63}$"

RETRY = {
    "type": "object",
    "properties": {
        "attempts": {"type": "integer", "minimum": 1, "maximum": 50},
        "delay_seconds": {"type": "number", "minimum": 0, "maximum": 86400},
        "backoff": {"type": "number", "minimum": 1, "maximum": 10},
        "max_delay_seconds": {"type": "number", "minimum": 0, "maximum": 604800},
    },
    "additionalProperties": False,
}

ON_ERROR = {
    "oneOf": [
        {"enum": ["fail", "continue"]},
        {"type": "object", "properties": {"action": {"enum": ["fail", "continue", "branch"]},
                                          "steps": {"$ref": "#/$defs/steps"}},
         "required": ["action"], "additionalProperties": False},
    ]
}

COMMON_STEP = {
    "id": {"type": "string", "pattern": STEP_ID},
    "type": {"type": "string"},
    "name": {"$ref": "#/$defs/label"},
    "description": {"type": "string", "maxLength": 2000},
    "retry": {"$ref": "#/$defs/retry"},
    "on_error": {"$ref": "#/$defs/on_error"},
    "disabled": {"type": "boolean"},
}


def _branches(registry, prefix: str, common: dict) -> tuple[dict, list]:
    defs: dict[str, Any] = {}
    branches = []
    for kind in sorted(registry.all(), key=lambda t: t.type):
        name = f"{prefix}_{kind.type.replace('.', '_').replace('-', '_')}"
        defs[name] = {
            "type": "object",
            "properties": {**common, "type": {"const": kind.type}, **kind.schema},
            "required": ["type", *(["id"] if prefix == "step" else []), *kind.required],
            "additionalProperties": False,
        }
        branches.append({"if": {"properties": {"type": {"const": kind.type}}, "required": ["type"]},
                         "then": {"$ref": f"#/$defs/{name}"}})
    return defs, branches


@cache
def flow_schema() -> dict[str, Any]:
    step_defs, step_branches = _branches(step_types, "step", COMMON_STEP)
    trigger_defs, trigger_branches = _branches(trigger_types, "trigger", {"type": {"type": "string"}})
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://weft.dev/platform/schemas/flow.schema.json",
        "title": "Weft flow definition",
        "type": "object",
        "required": ["key", "name", "trigger", "steps"],
        "properties": {
            "key": {"type": "string", "pattern": STEP_ID},
            "name": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/label"},
            "trigger": {"$ref": "#/$defs/trigger"},
            "steps": {"$ref": "#/$defs/steps"},
            "output": {},
            "settings": {
                "type": "object",
                "properties": {
                    "concurrency": {"type": "integer", "minimum": 1, "maximum": 1000},
                    "retention_days": {"type": "integer", "minimum": 1, "maximum": 3650},
                    "breaker_threshold": {"type": "integer", "minimum": 0, "maximum": 1000},
                },
                "additionalProperties": False,
            },
        },
        "additionalProperties": False,
        "$defs": {
            "label": LABEL,
            "retry": RETRY,
            "on_error": ON_ERROR,
            "steps": {"type": "array", "items": {"$ref": "#/$defs/step"}, "maxItems": 200},
            "step": {
                "type": "object",
                "required": ["id", "type"],
                "properties": {"id": COMMON_STEP["id"], "type": {"enum": step_types.types()}},
                "allOf": step_branches,
            },
            "trigger": {
                "type": "object",
                "required": ["type"],
                "properties": {"type": {"enum": trigger_types.types()}},
                "allOf": trigger_branches,
            },
            **step_defs,
            **trigger_defs,
        },
    }
