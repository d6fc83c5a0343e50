"""Field types: importing this package registers every built-in type."""

from importlib import import_module

from .base import FieldType, FieldValueError, WriteContext, field_types

BUILTIN = (
    "text",
    "textarea",
    "integer",
    "decimal",
    "boolean",
    "date",
    "datetime",
    "select",
    "multi_select",
    "email",
    "phone",
    "url",
    "user",
    "relation",
    "subtable",
    "attachment",
    "formula",
    "serial",
    "counter",
)

for _name in BUILTIN:
    import_module(f"{__name__}.{_name}")

__all__ = ["FieldType", "FieldValueError", "WriteContext", "field_types"]
