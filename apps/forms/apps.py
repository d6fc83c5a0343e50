from django.apps import AppConfig


class FormsConfig(AppConfig):
    name = "apps.forms"
    label = "forms"

    def ready(self) -> None:
        from . import fields  # noqa: F401  registers the field types
