from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "apps.forms"
    label = "forms"

    def ready(self) -> None:
        from apps.core import schemas

        from . import fields  # noqa: F401  registers the field types
        from .schema import form_schema

        schemas.register("form.schema.json", form_schema)
