import pytest

from apps.connectors.inbound import intake


@pytest.fixture(autouse=True)
def fresh_endpoint_cache():
    """Endpoints are cached per process for a moment; each test starts from the database."""
    intake.forget()
    yield
    intake.forget()


@pytest.fixture
def writer(monkeypatch):
    """A group commit of this test only, stopped at the end so that its connection is closed."""
    commit = intake.GroupCommit()
    monkeypatch.setattr(intake, "group_commit", commit)
    yield commit
    commit.stop()
