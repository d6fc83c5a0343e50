"""Rewrite every stored secret under the newest key of ``WEFT_SECRETS_KEY``."""

from django.core.management.base import BaseCommand

from apps.vault.services import reencrypt_all


class Command(BaseCommand):
    help = ("Re-encrypt every stored secret with the first key of WEFT_SECRETS_KEY; afterwards the older "
            "keys can be dropped from the setting.")

    def handle(self, *args, **options):
        self.stdout.write(f"re-encrypted {reencrypt_all()} secrets")
