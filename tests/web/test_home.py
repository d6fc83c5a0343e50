"""The home page shows what needs the member now, within the current workspace only."""

from __future__ import annotations

import re

from apps.accounts.models import Role
from apps.connectors.models import ChannelAccount, Delivery, DeliveryStatus
from apps.flows.models import Run, RunStatus


def failed_run(make, workspace, name: str, message: str) -> Run:
    flow = make.flow(workspace)
    flow.name = name
    flow.save(update_fields=["name"])
    return Run.objects.create(workspace=workspace, flow=flow, flow_version=1, status=RunStatus.FAILED,
                              error={"code": "http_error", "message": message})


def badge(page: str, block: str) -> str:
    """The count shown on one block of the home page (each block has its own badge)."""
    return re.search(rf'id="{block}-title".*?data-count="(\d+)"', page, re.S).group(1)


def test_failed_runs_are_counted_and_the_latest_listed_with_their_error(make, workspace, browser):
    runs = [failed_run(make, workspace, f"Order sync {n}", f"ERP answered 50{n}") for n in range(7)]
    page = browser(make.member(workspace, role=Role.MEMBER)).get("/").content.decode()
    assert 'data-count="7"' in page
    assert "ERP answered 506" in page and f"/api/v1/runs/{runs[-1].pk}/" in page
    assert "ERP answered 501" not in page


def test_deliveries_and_channels_are_shown_to_builders_only(make, workspace, browser):
    endpoint = make.endpoint(workspace)
    Delivery.objects.create(workspace=workspace, endpoint=endpoint, status=DeliveryStatus.FAILED,
                            received_at="2026-01-01T00:00:00Z", error={"message": "mapping failed at items"})
    account = make.channel_account(workspace)
    ChannelAccount.objects.filter(pk=account.pk).update(last_pull_error="token expired")
    member_page = browser(make.member(workspace, role=Role.MEMBER)).get("/").content.decode()
    builder_page = browser(make.member(workspace, role=Role.BUILDER)).get("/").content.decode()
    assert "mapping failed at items" not in member_page and "token expired" not in member_page
    assert 'id="failed-deliveries-title"' not in member_page
    assert "mapping failed at items" in builder_page and "token expired" in builder_page
    assert f'href="/api/v1/channel-accounts/{account.key}/"' in builder_page


def test_another_workspaces_problems_and_forms_never_show(make, workspace, browser):
    other = make.workspace("Other shop")
    failed_run(make, other, "Their sync", "their secret failure")
    make.form(other, key="their_orders")
    make.form(workspace, key="our_orders")
    page = browser(make.owner(workspace)).get("/").content.decode()
    assert "their secret failure" not in page and "their_orders" not in page
    assert "our_orders" in page and badge(page, "failed-runs") == "0"


def test_empty_blocks_say_what_they_are_for(make, workspace, browser):
    page = browser(make.owner(workspace)).get("/").content.decode()
    assert "Nothing has failed." in page
    assert "No forms yet" in page and 'href="/api/docs/"' in page


def test_forms_are_named_in_the_page_s_language(make, workspace, browser):
    make.form(workspace, key="returns", name={"en": "After-sales requests", "zh-hans": "售后申请"})
    client = browser(make.member(workspace, role=Role.MEMBER))

    english = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    chinese = client.get("/", HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()

    assert "After-sales requests" in english and "售后申请" not in english
    assert "售后申请" in chinese and "After-sales requests" not in chinese
