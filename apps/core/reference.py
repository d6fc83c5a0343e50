"""A readable reference of the definition language, written next to its JSON Schemas.

Generated from the same registries as the schemas, so that what a builder reads
is what the platform accepts.
"""

from __future__ import annotations

from typing import Any

from django.utils import translation

from .registry import Registry


def _kind(spec: Any) -> str:
    if not isinstance(spec, dict):
        return ""
    if "$ref" in spec:
        return spec["$ref"].rsplit("/", 1)[-1]
    if "enum" in spec:
        return " / ".join(f"`{v}`" for v in spec["enum"])
    if "const" in spec:
        return f"`{spec['const']}`"
    kind = spec.get("type", "any")
    return " or ".join(kind) if isinstance(kind, list) else str(kind)


def registry_reference(title: str, registry: Registry, options: str, intro: str = "") -> str:
    """Markdown: one section per registered type, with its options and their JSON types."""
    lines = [f"# {title}", "", intro, ""] if intro else [f"# {title}", ""]
    with translation.override("en"):
        for kind in sorted(registry.all(), key=lambda t: t.type):
            lines += [f"## `{kind.type}`", "", str(getattr(kind, "label", "")), ""]
            schema: dict = getattr(kind, options, {}) or {}
            required = set(getattr(kind, "required", ()) or ())
            if schema:
                lines += ["| option | type | required |", "| --- | --- | --- |"]
                lines += [f"| `{name}` | {_kind(spec)} | {'yes' if name in required else ''} |"
                          for name, spec in schema.items()]
                lines.append("")
    return "\n".join(lines)
