"""Reads of the vault for other apps: what a reference looks like, which secrets exist (never values)."""

from __future__ import annotations

import json
from typing import Any

from django.db.models import QuerySet

from .models import Secret

REFERENCE_KEY = "secret"
MASK = "••••"


def is_reference(value: Any) -> bool:
    """``{"secret": "<name>"}``: the one shape by which a definition or a credential names a secret."""
    return (isinstance(value, dict) and len(value) == 1 and isinstance(value.get(REFERENCE_KEY), str)
            and bool(value[REFERENCE_KEY]))


def reference(name: str) -> dict[str, str]:
    return {REFERENCE_KEY: name}


def reference_name(value: Any) -> str | None:
    return value[REFERENCE_KEY] if is_reference(value) else None


def as_text(value: dict[str, str]) -> str:
    """A reference kept in a text column (a signing secret): its JSON, which no generated secret looks like."""
    return json.dumps({REFERENCE_KEY: reference_name(value)}, separators=(",", ":"))


def from_text(text: Any) -> dict[str, str] | None:
    """The reference a text column holds, if it holds one (see ``as_text``)."""
    if not isinstance(text, str) or not text.startswith("{"):
        return None
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if is_reference(value) else None


def secrets_of(workspace) -> QuerySet[Secret]:
    return Secret.objects.filter(workspace=workspace).order_by("name")


def secret_names(workspace) -> set[str]:
    return set(secrets_of(workspace).values_list("name", flat=True))


def exists(workspace, name: str) -> bool:
    return Secret.objects.filter(workspace=workspace, name=name).exists()


def reference_schema() -> dict[str, Any]:
    """The JSON Schema of a reference, for the schemas of the places that accept one."""
    return {"type": "object", "properties": {REFERENCE_KEY: {"type": "string", "pattern": "^[-a-z0-9_]{1,80}$"}},
            "required": [REFERENCE_KEY], "additionalProperties": False}
