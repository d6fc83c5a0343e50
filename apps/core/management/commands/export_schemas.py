"""Write the definition language's JSON Schemas to ``platform/schemas/``."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand

from apps.core.schemas import all_references, all_schemas


class Command(BaseCommand):
    help = "Write platform/schemas/*.schema.json and platform/reference/*.md from the type registries."

    def handle(self, *args, **options):
        folder = Path(settings.BASE_DIR) / "platform" / "schemas"
        folder.mkdir(parents=True, exist_ok=True)
        for name, build in all_schemas().items():
            path = folder / name
            path.write_text(json.dumps(build(), indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
            self.stdout.write(f"wrote {path.relative_to(settings.BASE_DIR)}")
        folder = Path(settings.BASE_DIR) / "platform" / "reference"
        folder.mkdir(parents=True, exist_ok=True)
        for name, build in all_references().items():
            path = folder / name
            path.write_text(build().rstrip() + "\n", encoding="utf-8")
            self.stdout.write(f"wrote {path.relative_to(settings.BASE_DIR)}")
