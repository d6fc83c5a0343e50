"""Recording definition changes; callers pass the diff so the log says what changed."""

from __future__ import annotations

from typing import Any

from .models import AuditEntry


def record(workspace, actor, action: str, obj: Any, diff: dict | None = None) -> AuditEntry:
    return AuditEntry.objects.create(
        workspace=workspace,
        actor=actor,
        action=action,
        object_type=obj._meta.label_lower,
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        diff=diff or {},
    )


def json_diff(before: Any, after: Any, path: str = "") -> list[dict[str, Any]]:
    """A flat list of changes between two JSON documents, keyed by path.

    Lists of objects with a ``key`` are compared by key so that reordering
    fields does not read as every field changing.
    """
    if isinstance(before, dict) and isinstance(after, dict):
        changes: list[dict[str, Any]] = []
        for key in sorted(set(before) | set(after), key=str):
            sub = f"{path}.{key}" if path else str(key)
            if key not in before:
                changes.append({"op": "add", "path": sub, "after": after[key]})
            elif key not in after:
                changes.append({"op": "remove", "path": sub, "before": before[key]})
            else:
                changes.extend(json_diff(before[key], after[key], sub))
        return changes
    if _keyed(before) and _keyed(after):
        return json_diff({i["key"]: i for i in before}, {i["key"]: i for i in after}, path)
    if before != after:
        return [{"op": "change", "path": path, "before": before, "after": after}]
    return []


def _keyed(value: Any) -> bool:
    return isinstance(value, list) and all(isinstance(i, dict) and "key" in i for i in value) and bool(value)
