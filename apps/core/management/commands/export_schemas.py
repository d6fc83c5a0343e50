"""Write the definition language's JSON Schemas to ``platform/schemas/``.

The schemas are assembled from the type registries; the files on disk are what
builders and editors read, and a test keeps them identical to the code.
"""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.forms.schema import form_schema

SCHEMAS = {"form.schema.json": form_schema}


class Command(BaseCommand):
    help = "Write platform/schemas/*.schema.json from the field-type registry."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "platform" / "schemas"
        folder.mkdir(parents=True, exist_ok=True)
        for name, build in SCHEMAS.items():
            path = folder / name
            path.write_text(json.dumps(build(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            self.stdout.write(f"wrote {path.relative_to(settings.BASE_DIR)}")
