from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "apps.flows"
    label = "flows"

    def ready(self) -> None:
        from apps.core import schemas

        from . import steps, triggers  # noqa: F401  registers step and trigger types
        from .schema import flow_schema
        from .triggers import hooks

        hooks.connect()
        schemas.register("flow.schema.json", flow_schema)
