"""The JSON Schema of channel adapter documents (``platform/schemas/adapter.schema.json``).

Verification and request-signing modes come from the verification registry,
so a mode added there is accepted here without editing this file.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from apps.forms.selectors import LABEL

from ..verification import modes
from . import canonical as c

KEY_PATTERN = "^[a-z][a-z0-9_]{0,63}$"
HEADER_PATTERN = "^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"
EXPRESSION = {"type": "string", "maxLength": 4000}
PARAMETER = {"type": ["string", "integer", "boolean"]}
SECONDS = {"type": "integer", "minimum": 0, "maximum": 31_536_000}
HOST_PATTERN = r"^(\*\.)?[a-z0-9]([a-z0-9-]{0,62})(\.[a-z0-9]([a-z0-9-]{0,62}))*$"


def _object(properties: dict[str, Any], required: tuple[str, ...] | list[str] = (), **extra: Any) -> dict:
    schema = {"type": "object", "properties": properties, "additionalProperties": False, **extra}
    if required:
        schema["required"] = list(required)
    return schema


def _fields(names, required: tuple[str, ...] = ()) -> dict:
    return _object({name: {"$ref": "#/$defs/expression"} for name in names}, required)


def _status(statuses: tuple[str, ...]) -> dict:
    return _object({
        "from": {"$ref": "#/$defs/expression"},
        "map": {"type": "object", "minProperties": 1, "additionalProperties": {"enum": list(statuses)}},
        "rules": {"type": "array", "maxItems": 50, "items": _object(
            {"when": {"$ref": "#/$defs/expression"}, "status": {"enum": list(statuses)}}, ["when", "status"])},
    }, ["from", "map"])


def _modes(extra: dict[str, Any], required: tuple[str, ...]) -> tuple[dict, list]:
    """One branch per verification mode: its own options, plus ``extra``."""
    names = sorted(mode.type for mode in modes.all())
    branches = []
    for name in names:
        mode = modes.get(name)
        branches.append({
            "if": {"properties": {"mode": {"const": name}}, "required": ["mode"]},
            "then": _object({"mode": {"const": name}, **extra, **mode.schema},
                            ["mode", *required, *mode.required]),
        })
    return {"type": "object", "properties": {"mode": {"enum": names}}, "required": ["mode", *required]}, branches


def _request(extra: dict[str, Any], required: tuple[str, ...]) -> dict:
    return {
        **_object({
            "method": {"enum": ["GET", "POST", "PUT", "PATCH", "DELETE"]},
            "path": {"type": "string", "minLength": 1, "maxLength": 2000},
            "query": {"type": "object", "additionalProperties": PARAMETER},
            "headers": {"type": "object", "propertyNames": {"pattern": HEADER_PATTERN},
                        "additionalProperties": {"type": "string", "maxLength": 4000}},
            "form": {"type": "object", "additionalProperties": PARAMETER},
            "body": {},
            "sign": _object({
                "in": {"enum": ["query", "form", "header"]},
                "name": {"type": "string", "minLength": 1, "maxLength": 64},
                "value": {"$ref": "#/$defs/expression"},
            }, ["in", "name", "value"]),
            "signature": {"$ref": "#/$defs/signature"},
            "error": {"$ref": "#/$defs/expression"},
            **extra,
        }, ["method", "path", *required]),
        "not": {"required": ["form", "body"]},
    }


@cache
def adapter_schema() -> dict[str, Any]:
    verification, verification_branches = _modes({}, ())
    signature, signature_branches = _modes({"secret": {"$ref": "#/$defs/expression"}}, ("secret",))
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://weft.dev/platform/schemas/adapter.schema.json",
        "title": "Weft channel adapter",
        "description": "How one sales channel's order payloads map to the canonical order, "
                       "how stock is pushed to it and how its orders are pulled (see adapters.md).",
        "type": "object",
        "required": ["key", "name", "version", "currency", "timezone", "intake", "order"],
        "additionalProperties": False,
        "properties": {
            "key": {"type": "string", "pattern": KEY_PATTERN},
            "name": {"$ref": "#/$defs/label"},
            "description": {"type": "string", "maxLength": 4000},
            "version": {"type": "integer", "minimum": 1},
            "currency": {"type": "string", "pattern": "^[A-Z]{3}$"},
            "timezone": {"type": "string", "minLength": 1, "maxLength": 64},
            "base_url": {"type": "string", "pattern": "^https?://", "maxLength": 2000},
            "hosts": {"type": "array", "minItems": 1, "maxItems": 20, "uniqueItems": True,
                      "items": {"type": "string", "pattern": HOST_PATTERN, "maxLength": 253}},
            "credentials": {"type": "object", "propertyNames": {"pattern": KEY_PATTERN}, "maxProperties": 20,
                            "additionalProperties": _object({
                                "secret": {"type": "boolean"},
                                "label": {"$ref": "#/$defs/label"},
                                "description": {"type": "string", "maxLength": 1000},
                            }, ["secret"])},
            "intake": _object({
                "modes": {"type": "array", "items": {"enum": ["push", "pull"]}, "minItems": 1,
                          "uniqueItems": True},
                "verification": {"$ref": "#/$defs/verification"},
            }, ["modes"]),
            "event_id": {"$ref": "#/$defs/expression"},
            "order": _object({
                "root": {"$ref": "#/$defs/expression"},
                "fields": _object({
                    **{name: {"$ref": "#/$defs/expression"} for name in c.ORDER_FIELDS},
                    "buyer": _fields(c.BUYER_FIELDS),
                    "shipping": _fields(c.SHIPPING_FIELDS),
                }, c.REQUIRED_ORDER_FIELDS),
                "status": {"$ref": "#/$defs/order_status"},
                "items": _object({
                    "from": {"$ref": "#/$defs/expression"},
                    "when": {"$ref": "#/$defs/expression"},
                    "fields": _fields(c.ITEM_FIELDS, c.REQUIRED_ITEM_FIELDS),
                }, ["from", "fields"]),
                "refunds": _object({
                    "from": {"$ref": "#/$defs/expression"},
                    "when": {"$ref": "#/$defs/expression"},
                    "fields": _fields(c.REFUND_FIELDS, c.REQUIRED_REFUND_FIELDS),
                    "status": {"$ref": "#/$defs/refund_status"},
                }, ["from", "fields"]),
            }, ["fields", "status", "items"]),
            "stock_update": _request({}, ()),
            "pull": _request({
                "orders": {"$ref": "#/$defs/expression"},
                "has_more": {"$ref": "#/$defs/expression"},
                "page_size": {"type": "integer", "minimum": 1, "maximum": 1000},
                "window_seconds": SECONDS,
                "lag_seconds": SECONDS,
                "lookback_seconds": SECONDS,
            }, ("orders", "has_more")),
        },
        "$defs": {
            "label": LABEL,
            "expression": EXPRESSION,
            "order_status": _status(c.STATUSES),
            "refund_status": _status(c.REFUND_STATUSES),
            "verification": {**verification, "allOf": verification_branches},
            "signature": {**signature, "allOf": signature_branches},
        },
    }
