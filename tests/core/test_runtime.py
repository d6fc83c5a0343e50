"""Runtime folders: importing the settings writes nothing; the processes that need a folder make it."""

from __future__ import annotations

import os
import secrets
import subprocess
import sys
from pathlib import Path

import pytest

from apps.core.runtime import ensure_runtime_dirs

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def fresh(tmp_path) -> dict[str, str]:
    """The environment of a fresh clone on the embedded stack, its var folder not made yet."""
    env = {k: v for k, v in os.environ.items()
           if k not in ("DATABASE_URL", "CELERY_BROKER_URL", "REDIS_URL") and not k.startswith("WEFT_")}
    return env | {"WEFT_VAR_DIR": str(tmp_path / "clone" / "var"), "SECRET_KEY": secrets.token_urlsafe(64),
                  "DJANGO_SETTINGS_MODULE": "apps.settings"}


def run(env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    done = subprocess.run([sys.executable, *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    return done


def test_importing_the_settings_makes_no_folder(fresh):
    run(fresh, "-c", "import apps.settings")

    assert not Path(fresh["WEFT_VAR_DIR"]).exists()


def test_migrate_on_a_fresh_clone_finds_the_folder_of_its_sqlite_database(fresh):
    run(fresh, "manage.py", "migrate", "--noinput", "-v", "0")

    assert (Path(fresh["WEFT_VAR_DIR"]) / "weft.sqlite3").is_file()


def test_the_file_brokers_folders_exist_once_the_celery_app_is_configured(fresh):
    run(fresh, "-c", "import django; django.setup(); from apps.celery import app; app.conf.broker_url")

    broker = Path(fresh["WEFT_VAR_DIR"]) / "broker"
    assert sorted(p.name for p in broker.iterdir()) == ["control", "processed", "queue"]


def test_only_missing_folders_are_made(settings, tmp_path):
    settings.STATIC_ROOT = tmp_path / "static"
    settings.CELERY_BROKER_URL = "filesystem://"
    settings.CELERY_BROKER_TRANSPORT_OPTIONS = {"data_folder_in": str(tmp_path / "q"), "data_folder_out": str(tmp_path / "q"),
                                                "processed_folder": str(tmp_path / "done")}

    assert sorted(p.name for p in ensure_runtime_dirs()) == ["done", "q", "static"]
    assert ensure_runtime_dirs() == []
