from django.apps import AppConfig


class ConnectorsConfig(AppConfig):
    name = "apps.connectors"
    label = "connectors"

    def ready(self) -> None:
        from . import verification  # noqa: F401  registers verification modes
