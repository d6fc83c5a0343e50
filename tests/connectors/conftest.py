import pytest

from apps.connectors.inbound import intake


@pytest.fixture(autouse=True)
def fresh_endpoint_cache():
    """Endpoints are cached per process for a moment; each test starts from the database."""
    intake.forget()
    yield
    intake.forget()
