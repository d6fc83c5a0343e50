from django.apps import AppConfig


class VaultConfig(AppConfig):
    name = "apps.vault"
    label = "vault"

    def ready(self) -> None:
        from apps.core import schemas

        from .reference import secrets_reference

        schemas.register_reference("secrets.md", secrets_reference)
