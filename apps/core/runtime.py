"""The folders a Weft process writes to, created when a process starts rather than when settings load.

Importing the settings has no effect on disk (a read-only image, a linter or a
schema export may import them). The entry points that need the folders call
``ensure_runtime_dirs()``: ``manage.py`` (so ``migrate`` finds SQLite's folder
on a fresh clone), the Celery app when it reads its configuration (a worker,
beat, or a process that enqueues a task onto the file broker) and the tests.
"""

from __future__ import annotations

from pathlib import Path

from django.conf import settings

BROKER_FOLDER_OPTIONS = ("data_folder_in", "data_folder_out", "processed_folder", "control_folder")


def runtime_dirs() -> list[Path]:
    """What this configuration writes to: SQLite's folder, the file broker's folders and ``STATIC_ROOT``."""
    folders: list[Path] = []
    for database in settings.DATABASES.values():
        if database["ENGINE"].endswith("sqlite3"):
            for name in (database.get("NAME"), (database.get("TEST") or {}).get("NAME")):
                if name and str(name) != ":memory:" and not str(name).startswith("file:"):
                    folders.append(Path(name).parent)
    if str(settings.CELERY_BROKER_URL).startswith("filesystem://"):
        options = settings.CELERY_BROKER_TRANSPORT_OPTIONS
        folders.extend(Path(options[key]) for key in BROKER_FOLDER_OPTIONS if options.get(key))
    if settings.STATIC_ROOT:
        folders.append(Path(settings.STATIC_ROOT))
    return list(dict.fromkeys(folders))


def ensure_runtime_dirs() -> list[Path]:
    """Create the missing ones (folders that exist are left alone, even on a read-only disk); return those made."""
    made = []
    for folder in runtime_dirs():
        if not folder.is_dir():
            folder.mkdir(parents=True, exist_ok=True)
            made.append(folder)
    return made
