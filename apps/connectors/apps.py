from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "apps.connectors"
    label = "connectors"

    def ready(self) -> None:
        from apps.core import schemas
        from apps.forms import hooks

        from . import tasks, verification  # noqa: F401  registers verification modes and periodic tasks
        from .adapters.reference import adapters_reference
        from .adapters.schema import adapter_schema
        from .channels import stock
        from .erp.schema import journal_export_schema
        from .outbound import connect as connect_outbound

        schemas.register("adapter.schema.json", adapter_schema)
        schemas.register("journal-export.schema.json", journal_export_schema)
        schemas.register_reference("adapters.md", adapters_reference)
        connect_outbound()
        hooks.on_events_dispatched(stock.on_events)
