"""The JSON Schema of journal export layouts (``platform/exports/journal/<key>.json``).

``platform/schemas/journal-export.schema.json`` is this document written to disk
by ``manage.py export_schemas``; a test keeps the two identical.
"""

from __future__ import annotations

from functools import cache
from typing import Any

from apps.forms.selectors import LABEL

from .roles import ROLES

KEY_PATTERN = "^[a-z][a-z0-9_]{0,63}$"
DATE_FORMAT_PATTERN = "^(?:YYYY|MM|M|DD|D|[^A-Za-z])+$"
ENCODINGS = ("gbk", "gb18030", "utf-8", "utf-8-sig")
LINE_TERMINATORS = {"crlf": "\r\n", "lf": "\n"}
DELIMITERS = (",", ";", "\t")
EXTENSIONS = ("csv", "txt")
COLUMN_SOURCES = ("role", "value", "join")


@cache
def journal_export_schema() -> dict[str, Any]:
    role = {"enum": list(ROLES)}
    text = {"type": "string", "maxLength": 200}
    date_format = {"type": "string", "pattern": DATE_FORMAT_PATTERN, "maxLength": 40}
    column = {
        "type": "object",
        "properties": {
            "header": {"type": "string", "minLength": 1, "maxLength": 100},
            "role": role,
            "fallback": {**role, "description": "the role shown when the record leaves the column's role empty"},
            "default": {**text, "description": "written when the role (and its fallback) is empty"},
            "value": {**text, "description": "a constant, the same on every line"},
            "join": {
                "type": "object",
                "properties": {
                    "separator": {"type": "string", "maxLength": 10},
                    "parts": {
                        "type": "array",
                        "minItems": 1,
                        "items": {
                            "type": "object",
                            "properties": {"role": role, "prefix": {"type": "string", "maxLength": 50}},
                            "required": ["role"],
                            "additionalProperties": False,
                        },
                    },
                },
                "required": ["parts"],
                "additionalProperties": False,
            },
            "format": {**date_format, "description": "for date roles: this column's own date format"},
            "zero": {"type": "string", "maxLength": 10, "description": "for amount roles: how zero is written"},
        },
        "required": ["header"],
        "oneOf": [{"required": [name]} for name in COLUMN_SOURCES],
        "additionalProperties": False,
    }
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": "https://weft.dev/platform/schemas/journal-export.schema.json",
        "title": "Weft journal export layout",
        "description": "How journal entry records are written for an ERP's voucher import: "
                       "columns in the template's order, constants, number and date formats, file encoding.",
        "type": "object",
        "required": ["key", "name", "description", "encoding", "date_format", "columns"],
        "properties": {
            "$schema": {"type": "string"},
            "key": {"type": "string", "pattern": KEY_PATTERN},
            "name": {"$ref": "#/$defs/label"},
            "description": {"$ref": "#/$defs/long_label"},
            "product": {"type": "string", "maxLength": 200},
            "encoding": {"enum": list(ENCODINGS)},
            "line_terminator": {"enum": list(LINE_TERMINATORS)},
            "delimiter": {"enum": list(DELIMITERS)},
            "header": {"type": "boolean"},
            "extension": {"enum": list(EXTENSIONS)},
            "date_format": date_format,
            "amount_format": {
                "type": "object",
                "properties": {
                    "decimals": {"type": "integer", "minimum": 0, "maximum": 8},
                    "thousands_separator": {"enum": ["", ",", " "]},
                    "zero": {"type": "string", "maxLength": 10},
                },
                "additionalProperties": False,
            },
            "columns": {"type": "array", "minItems": 1, "maxItems": 200, "items": {"$ref": "#/$defs/column"}},
        },
        "additionalProperties": False,
        "$defs": {
            "label": LABEL,
            "long_label": {
                "oneOf": [
                    {"type": "string", "minLength": 1, "maxLength": 2000},
                    {
                        "type": "object",
                        "properties": {"en": {"type": "string", "maxLength": 2000},
                                       "zh-hans": {"type": "string", "maxLength": 2000}},
                        "additionalProperties": False,
                        "minProperties": 1,
                    },
                ]
            },
            "column": column,
        },
    }
