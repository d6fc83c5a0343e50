from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "apps.connectors"
    label = "connectors"

    def ready(self) -> None:
        from apps.core import outbox, schemas
        from apps.flows import hooks as flow_hooks
        from apps.vault import hooks as vault_hooks

        from . import tasks, verification  # noqa: F401  registers verification modes and periodic tasks
        from .adapters.reference import adapters_reference
        from .adapters.schema import adapter_schema
        from .channels import stock
        from .erp.schema import journal_export_schema
        from .inbound import flow_triggers, intake
        from .outbound import connect as connect_outbound
        from .verification.reference import verification_reference

        schemas.register("adapter.schema.json", adapter_schema)
        schemas.register("journal-export.schema.json", journal_export_schema)
        schemas.register_reference("adapters.md", adapters_reference)
        schemas.register_reference("verification-modes.md", verification_reference)
        connect_outbound()
        outbox.subscribe("connectors.stock", stock.on_events)
        flow_hooks.on_flow_saved(flow_triggers.flow_saved)
        flow_hooks.on_flow_deleted(flow_triggers.flow_deleted)
        vault_hooks.on_secret_changed(intake.forget_secret)
