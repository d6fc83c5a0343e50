"""Rows of sub-fields inside one record (order lines, shipment parcels).

Each row keeps a stable ``_id`` so that a later edit of line 2 can be told apart
from deleting line 2 and adding another, by history, flows and the query layer.
"""

from __future__ import annotations

import dataclasses
import json
import re
import secrets
from typing import Any

from django.utils.translation import gettext_lazy as _

from .base import DefinitionContext, FieldType, FieldValueError, field_types

ROW_ID = "_id"
ROW_ID_PATTERN = re.compile(r"[A-Za-z0-9_-]{1,32}")
DEFAULT_MAX_ROWS = 1000
NOT_IN_ROWS = ("subtable", "serial", "counter")


def new_row_id() -> str:
    return secrets.token_urlsafe(6)


@field_types.register
class SubtableField(FieldType):
    type = "subtable"
    label = _("Table of rows")
    options_schema = {
        "fields": {
            "type": "array",
            "items": {"$ref": "#/$defs/field"},
            "minItems": 1,
            "maxItems": 100,
        },
        "min_rows": {"type": "integer", "minimum": 0, "maximum": DEFAULT_MAX_ROWS},
        "max_rows": {"type": "integer", "minimum": 1, "maximum": DEFAULT_MAX_ROWS},
    }
    value_schema = {
        "type": "array",
        "items": {
            "type": "object",
            "properties": {ROW_ID: {"type": "string"}},
            "required": [ROW_ID],
        },
    }
    filter_ops = ("empty", "not_empty")
    sortable = False
    can_be_unique = False
    sample: Any = [{"_id": "a1", "sku": "TS-M", "qty": 2}, {"_id": "b2", "sku": "TS-L", "qty": 1}]
    sample_field: dict[str, Any] = {
        "fields": [
            {"key": "sku", "type": "text", "required": True},
            {"key": "qty", "type": "integer"},
        ]
    }

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        """Sub-fields are checked like top-level ones by the caller; here only what rows cannot hold."""
        errors: dict[str, list[Any]] = {}
        if not field.get("fields"):
            errors["fields"] = [_("is required: a table needs at least one column")]
        for index, sub in enumerate(field.get("fields") or []):
            if sub.get("type") in NOT_IN_ROWS:
                errors[f"fields[{index}].type"] = [
                    _("a %(type)s field cannot be used inside a table") % {"type": sub["type"]}
                ]
            if sub.get("unique"):
                errors[f"fields[{index}].unique"] = [_("a field inside a table cannot be unique")]
        low, high = field.get("min_rows"), field.get("max_rows")
        if low is not None and high is not None and low > high:
            errors["max_rows"] = [_("must not be less than min_rows (%(n)d)") % {"n": low}]
        return errors

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        from apps.core.errors import ErrorCollector
        from apps.forms.validation import validate_data

        if not isinstance(value, list):
            raise FieldValueError(_("must be a list of rows"))
        low, high = field.get("min_rows"), field.get("max_rows", DEFAULT_MAX_ROWS)
        if low is not None and len(value) < low:
            raise FieldValueError(_("must have at least %(n)d rows") % {"n": low})
        if len(value) > high:
            raise FieldValueError(_("must have at most %(n)d rows") % {"n": high})
        before = self._stored_rows(field, ctx)
        errors = ErrorCollector()
        rows, seen = [], set()
        for index, row in enumerate(value):
            row_id = row.get(ROW_ID) if isinstance(row, dict) else None
            if row_id is not None and not (
                isinstance(row_id, str) and ROW_ID_PATTERN.fullmatch(row_id)
            ):
                errors.add(
                    f"[{index}].{ROW_ID}",
                    _("must be a row id of up to 32 letters, digits, '-' or '_'"),
                )
                continue
            if row_id is None or row_id in seen:
                row_id = new_row_id()
            seen.add(row_id)
            existing = before.get(row_id)
            row_ctx = dataclasses.replace(ctx, creating=existing is None)
            data = validate_data(
                field["fields"],
                row,
                row_ctx,
                existing=existing,
                partial=existing is not None,
                prefix=f"[{index}]",
                errors=errors,
            )
            rows.append({ROW_ID: row_id, **{k: v for k, v in data.items() if k != ROW_ID}})
        if errors:
            raise FieldValueError(errors=errors.errors)
        return rows

    @staticmethod
    def _stored_rows(field: dict, ctx) -> dict[str, dict]:
        """The record's stored rows by id: an edited row is merged into its stored self, so no value is lost by omission."""
        record = getattr(ctx, "record", None)
        stored = (record.data or {}).get(field["key"]) if record is not None else None
        return {row[ROW_ID]: row for row in stored or [] if isinstance(row, dict) and ROW_ID in row}

    def to_api(self, value: Any, field: dict) -> Any:
        subs = {sub["key"]: sub for sub in field.get("fields", [])}
        out = []
        for row in value or []:
            out.append(
                {
                    key: (
                        field_types.get(subs[key]["type"]).to_api(v, subs[key])
                        if key in subs
                        else v
                    )
                    for key, v in row.items()
                }
            )
        return out

    def to_csv(self, value: Any, field: dict) -> str:
        return json.dumps(value, ensure_ascii=False, separators=(",", ":")) if value else ""

    def from_csv(self, text: str, field: dict) -> Any:
        """JSON rows; text that is not JSON is passed on so normalize names the problem."""
        if not text.strip():
            return None
        try:
            return json.loads(text)
        except ValueError:
            return text
