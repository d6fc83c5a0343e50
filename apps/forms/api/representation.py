"""Records and forms as the API shows them; values go through ``apps.forms.conversion``."""

from __future__ import annotations

from ..conversion import record_data
from ..models import Form, Record


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
