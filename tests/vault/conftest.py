import threading

import pytest

from apps.accounts.models import Role
from tests.connectors.test_channels_stock import Shop
from tests.flows.steps.conftest import Flows, engine, manual_trigger  # noqa: F401  the engine run in-process
from tests.flows.steps.test_steps_http import Server


@pytest.fixture
def flows(workspace, owner):
    return Flows(workspace, owner)


@pytest.fixture
def server():
    srv = Server()
    threading.Thread(target=srv.httpd.serve_forever, daemon=True).start()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def shop():
    srv = Shop()
    yield srv
    srv.httpd.shutdown()
    srv.httpd.server_close()


@pytest.fixture
def loopback_allowed(settings):
    settings.WEFT_HTTP_ALLOW_PRIVATE = True


@pytest.fixture
def member_api(make, workspace):
    """An API client acting as a plain member (below builder) of ``workspace``."""
    return make.client(make.member(workspace, role=Role.MEMBER))


@pytest.fixture
def builder_api(make, workspace):
    return make.client(make.member(workspace, role=Role.BUILDER))
