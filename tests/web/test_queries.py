"""The home, members and tokens pages ask the database the same number of times however many rows they show."""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.accounts.models import Role
from apps.accounts.services import add_or_invite, issue_token
from apps.connectors.models import Delivery, DeliveryStatus
from apps.flows.models import Run, RunStatus


def queries(client, path: str) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(path).status_code == 200
    return len(captured)


def add_home_rows(make, workspace, n: int) -> None:
    endpoint = make.endpoint(workspace)
    for _ in range(n):
        Run.objects.create(workspace=workspace, flow=make.flow(workspace), flow_version=1,
                           status=RunStatus.FAILED, error={"message": "failed"})
        Delivery.objects.create(workspace=workspace, endpoint=endpoint, status=DeliveryStatus.FAILED,
                                received_at="2026-01-01T00:00:00Z", error={"message": "failed"})
        make.form(workspace)


def test_the_home_page_does_not_ask_once_per_row(make, workspace, browser):
    client = browser(make.owner(workspace))
    add_home_rows(make, workspace, 1)
    few = queries(client, "/")
    add_home_rows(make, workspace, 3)
    assert queries(client, "/") == few


def test_the_members_page_does_not_ask_once_per_row(make, workspace, browser):
    owner = make.owner(workspace)
    client = browser(owner)
    make.member(workspace, role=Role.MEMBER)
    make.user("invited-0")
    add_or_invite(workspace, "invited-0", Role.MEMBER, by=owner)
    few = queries(client, "/settings/members/")
    for n in range(1, 4):
        make.member(workspace, role=Role.BUILDER)
        make.user(f"invited-{n}")
        add_or_invite(workspace, f"invited-{n}", Role.MEMBER, by=owner)
    assert queries(client, "/settings/members/") == few


def test_the_tokens_page_does_not_ask_once_per_row(make, workspace, browser):
    owner = make.owner(workspace)
    client = browser(owner)
    issue_token(owner, "first")
    few = queries(client, "/settings/tokens/")
    for n in range(3):
        issue_token(owner, f"more-{n}")
    assert queries(client, "/settings/tokens/") == few
