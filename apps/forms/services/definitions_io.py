"""Form definitions that travel between workspaces (templates): ids out on export, back in on import.

Each field type says which of its options hold ids (``FieldType.export`` and
``import_``); this walks a whole definition through them, table columns
included, and reports every id or key that cannot travel by its path.
"""

from __future__ import annotations

import copy
from collections.abc import Callable

from apps.core.errors import ErrorCollector, ValidationFailed, join_path

from ..fields.base import FieldType, TransferContext, field_types


def export_definition(definition: dict, ctx: TransferContext) -> dict:
    """The definition with the ids of ``ctx.workspace`` turned into keys; ``ValidationFailed`` names the rest."""
    return _transfer(definition, lambda ftype, field: ftype.export(field, ctx))


def import_definition(definition: dict, ctx: TransferContext) -> dict:
    """An exported definition with its keys resolved in ``ctx.workspace``; ``ValidationFailed`` names the rest."""
    return _transfer(definition, lambda ftype, field: ftype.import_(field, ctx))


def _transfer(definition: dict, hook: Callable[[FieldType, dict], dict]) -> dict:
    errors = ErrorCollector()
    result = copy.deepcopy(definition)
    result["fields"] = _fields(result.get("fields") or [], "fields", hook, errors)
    errors.raise_if_any()
    return result


def _fields(fields: list[dict], prefix: str, hook: Callable[[FieldType, dict], dict],
            errors: ErrorCollector) -> list[dict]:
    out = []
    for index, field in enumerate(fields):
        path = f"{prefix}[{index}]"
        try:
            field = hook(field_types.get(field["type"]), field)
        except ValidationFailed as exc:
            errors.merge(exc.errors, path)
        if isinstance(field.get("fields"), list):
            field = {**field, "fields": _fields(field["fields"], join_path(path, "fields"), hook, errors)}
        out.append(field)
    return out
