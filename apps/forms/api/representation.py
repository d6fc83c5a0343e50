"""Records and forms as the API shows them: plain JSON, decimals as strings, never floats."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from ..fields.base import field_types
from ..models import Form, Record
from ..services.counters import from_units
from ..validation import active_fields


def plain(value: Any) -> Any:
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {k: plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def record_data(form: Form, data: dict, counters: dict[str, int] | None = None, *,
                include_removed: bool = False) -> dict:
    fields = form.definition["fields"] if include_removed else active_fields(form.definition["fields"])
    out = {}
    for field in fields:
        key = field["key"]
        ftype = field_types.get(field["type"])
        if not ftype.stored_in_data:
            out[key] = plain(from_units((counters or {}).get(key, 0), field))
        elif key in data:
            out[key] = plain(ftype.to_api(data[key], field))
    return out


def record_to_api(form: Form, record: Record, counters: dict[str, int] | None = None, *,
                  include_removed: bool = False) -> dict:
    return {
        "id": record.pk,
        "form": form.key,
        "version": record.version,
        "form_version": record.form_version,
        "data": record_data(form, record.data, counters, include_removed=include_removed),
        "created_at": record.created_at.isoformat() if record.created_at else None,
        "updated_at": record.updated_at.isoformat() if record.updated_at else None,
        "created_by": record.created_by_id,
        "updated_by": record.updated_by_id,
    }


def form_to_api(form: Form) -> dict:
    return {
        "id": form.pk,
        "key": form.key,
        "name": form.name,
        "app": form.app.key if form.app_id else None,
        "version": form.version,
        "definition": form.definition,
        "created_at": form.created_at.isoformat(),
        "updated_at": form.updated_at.isoformat(),
    }
