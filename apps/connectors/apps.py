from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "apps.connectors"
    label = "connectors"

    def ready(self) -> None:
        from . import tasks, verification  # noqa: F401  registers verification modes and periodic tasks
