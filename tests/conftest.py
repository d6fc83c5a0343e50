import os

import pytest
from django.db import connection

from tests.factories import make as _make


@pytest.fixture
def make(db):
    return _make


@pytest.fixture
def workspace(make):
    return make.workspace()


@pytest.fixture
def owner(make, workspace):
    return make.owner(workspace)


@pytest.fixture
def api(make, owner):
    """An API client acting as the owner of ``workspace``."""
    return make.client(owner)


def pytest_collection_modifyitems(config, items):
    on_postgres = os.environ.get("DATABASE_URL", "").startswith(("postgres", "postgresql"))
    skip = pytest.mark.skip(reason="needs PostgreSQL (set DATABASE_URL)")
    for item in items:
        if "postgres" in item.keywords and not on_postgres:
            item.add_marker(skip)


@pytest.fixture
def vendor(db):
    return connection.vendor


@pytest.fixture
def loopback_servers():
    """``loopback_servers()`` starts one more real HTTP server on 127.0.0.1 (``tests/support/loopback.py``)."""
    from tests.support import loopback

    yield from loopback.loopback_servers()


@pytest.fixture
def loopback(loopback_servers):
    """A real HTTP server on 127.0.0.1 that records requests and answers from a script per path."""
    return loopback_servers()


def pytest_configure(config):
    """The folders a run writes to (its SQLite database, the file broker's queue, static files), made once."""
    from apps.core.runtime import ensure_runtime_dirs

    ensure_runtime_dirs()
