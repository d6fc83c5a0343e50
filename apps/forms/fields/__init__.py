"""Field types: importing this package registers every built-in type.

The registry and the classes other apps build on are public here: ``field_types``
(look a type up, list them for a palette), ``FieldType`` and ``FieldValueError``
(reading values a field's way), ``WriteContext`` and ``DefinitionContext`` (what a
write or a definition check may need), ``TransferContext`` (what moving a
definition to another workspace needs).
"""

from importlib import import_module

from .base import (
    DefinitionContext,
    FieldType,
    FieldValueError,
    TransferContext,
    WriteContext,
    field_types,
)

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

__all__ = [
    "DefinitionContext",
    "FieldType",
    "FieldValueError",
    "TransferContext",
    "WriteContext",
    "field_types",
]
