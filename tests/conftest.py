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
