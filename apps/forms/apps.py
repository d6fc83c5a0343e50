from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "apps.forms"
    label = "forms"

    def ready(self) -> None:
        from apps.core import outbox, schemas

        from . import fields  # noqa: F401  registers the field types
        from .outbox import EventTable
        from .schema import form_schema

        outbox.set_source(EventTable())
        schemas.register("form.schema.json", form_schema)
        schemas.register_reference("field-types.md", field_reference)
        schemas.register_reference("expressions.md", expressions_reference)


def expressions_reference() -> str:
    from apps.expressions.reference import expressions_reference as build

    return build()


def field_reference() -> str:
    from apps.core.reference import registry_reference

    from .fields import field_types

    intro = ("Every field has `key`, `type`, and optionally `label`, `help` (text or {\"en\", \"zh-hans\"}), "
             "`required`, `unique`, `default`, `hidden`. The options below are per type; the JSON Schema is "
             "`platform/schemas/form.schema.json`.")
    return registry_reference("Field types", field_types, "options_schema", intro)
