"""The channel simulator against a real Weft server: signed webhooks with duplicates and late updates,
pulls across a failure, and stock pushes, ending with every order in its latest state."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

import pytest
from django.core.management import call_command
from django.utils import timezone

from apps.connectors.channels.pull import PullFailed, pull_account, pull_due
from apps.connectors.channels.stock import push_due
from apps.connectors.inbound.processing import process_pending
from apps.connectors.models import ChannelAccount, Delivery, PullPage, StockPush
from apps.connectors.simulator import run
from apps.connectors.simulator.players import players
from apps.connectors.simulator.sender import Plan
from apps.connectors.simulator.shop import Shop
from apps.core.outbox import dispatch_pending
from apps.forms.models import Record

pytestmark = pytest.mark.django_db(transaction=True)


def chosen(*keys: str) -> dict:
    return {key: players.get(key) for key in keys}


def stored_orders(channel: str) -> dict[str, dict]:
    return {r.data["platform_order_id"]: r.data
            for r in Record.objects.filter(form__key="orders", data__platform=channel)}


def test_pushed_channels_end_with_every_order_in_its_latest_state(live_server, make):
    workspace = make.workspace()
    plan = Plan(rate=0, total=120, duplicate_rate=0.2, out_of_order_rate=0.2, update_share=0.5, seed=7)
    simulation = run.start(workspace, chosen("taobao", "shopify", "woocommerce", "website"), plan,
                           weft_url=live_server.url)
    try:
        stats = simulation.sender.run().snapshot()
    finally:
        simulation.server.stop()
    assert stats["duplicates_sent"] and stats["sent_late"] and stats.get("acknowledged_duplicates")
    assert not [k for k in stats if k.startswith("status_")], stats
    assert Delivery.objects.filter(status="received").count() == stats["accepted"]
    process_pending()
    assert not Delivery.objects.filter(status="failed").exists(), \
        list(Delivery.objects.filter(status="failed").values_list("error", flat=True)[:3])
    for channel in ("taobao", "shopify", "woocommerce", "website"):
        latest = {o.order_id: o for o in simulation.state.latest(channel)}
        stored = stored_orders(channel)
        assert set(stored) == set(latest), channel
        for order_id, order in latest.items():
            assert stored[order_id]["channel_updated_at"].startswith(order.updated_at.strftime("%Y-%m-%dT%H:%M:%S"))


def test_a_pull_that_fails_midway_resumes_from_the_stored_cursor(live_server, make):
    workspace = make.workspace()
    simulation = run.start(workspace, chosen("jd"), Plan(total=0), weft_url=live_server.url)
    shop, start = Shop("jd", seed=3), datetime.now(UTC) - timedelta(hours=6)
    for n in range(230):
        simulation.state.publish(shop.new_order(now=start + timedelta(seconds=60 * n)))
    account = ChannelAccount.objects.get(workspace=workspace, key="jd-shop")
    answer, calls = simulation.server.answer, []

    def failing_on_page_three(method, target, body):
        calls.append(target)
        if len(calls) == 3:
            return 500, {"error": "gateway timeout"}
        return answer(method, target, body)

    simulation.server.answer = failing_on_page_three
    try:
        with pytest.raises(PullFailed):
            pull_account(account, page_size=100)
        restarted = ChannelAccount.objects.get(pk=account.pk)
        assert restarted.cursor == "" and Delivery.objects.filter(pulled=True).count() == 200
        simulation.server.answer = answer
        assert pull_account(restarted, page_size=100) == 30
        account = ChannelAccount.objects.get(pk=account.pk)
        newest = max(o.updated_at for o in simulation.state.latest("jd"))
        assert datetime.fromisoformat(account.cursor.replace("Z", "+00:00")) >= newest
        assert PullPage.objects.filter(account=account).exclude(cursor_after="").exists()
        assert pull_account(account, page_size=100) == 0
    finally:
        simulation.server.stop()
    process_pending()
    assert len(stored_orders("jd")) == 230
    assert Delivery.objects.filter(pulled=True).count() == 230


def test_pulled_channels_and_stock_pushes_through_the_scheduled_tasks(live_server, make):
    workspace = make.workspace()
    simulation = run.start(workspace, chosen("pinduoduo", "douyin"), Plan(total=0), weft_url=live_server.url)
    start = datetime.now(UTC) - timedelta(hours=5)
    for channel in ("pinduoduo", "douyin"):
        shop = Shop(channel, seed=5)
        for n in range(40):
            order = shop.new_order(now=start + timedelta(minutes=7 * n))
            simulation.state.publish(order)
            if n % 3 == 0:
                simulation.state.publish(shop.advance(order, now=order.updated_at + timedelta(minutes=20)))
    try:
        ChannelAccount.objects.filter(workspace=workspace).update(next_pull_at=None)
        results = pull_due()
        assert results == {"pinduoduo-shop": 40, "douyin-shop": 40}
        process_pending()
        for channel in ("pinduoduo", "douyin"):
            latest = {o.order_id: o for o in simulation.state.latest(channel)}
            stored = stored_orders(channel)
            assert set(stored) == set(latest)
            assert {k: v["channel_status"] for k, v in stored.items()} == {k: o.status for k, o in latest.items()}
        dispatch_pending()
        assert StockPush.objects.filter(status="pending").count() == 2 * 8
        sent = push_due(now=timezone.now() + timedelta(seconds=10))
        failures = list(StockPush.objects.exclude(status="sent").values_list("account__key", "sku", "error"))
        assert sent == 16, failures
        assert simulation.state.stock[("pinduoduo", "SKU-1001")] == 200
        assert simulation.state.stock[("douyin", "SKU-3002")] == 200
    finally:
        simulation.server.stop()


def test_the_command_prints_what_it_did(live_server, make):
    make.workspace()
    out = io.StringIO()
    call_command("simulate_channels", weft=live_server.url, orders=10, rate=0, burst_every=0, port=0,
                 channels="website,jd", report_every=60, stdout=out)
    text = out.getvalue()
    assert "website: " in text and "jd: " in text and "accepted=" in text


def test_pulling_now_through_the_api_and_deleting_an_account(live_server, make):
    from apps.audit.models import AuditEntry

    workspace = make.workspace()
    api = make.client(make.owner(workspace))
    simulation = run.start(workspace, chosen("jd"), Plan(total=0), weft_url=live_server.url)
    shop = Shop("jd", seed=9)
    for n in range(3):
        simulation.state.publish(shop.new_order(now=datetime.now(UTC) - timedelta(hours=2, minutes=n)))
    try:
        answer = api.post("/api/v1/channel-accounts/jd-shop/pull/")
        assert answer.status_code == 200 and answer.json()["stored"] == 3
    finally:
        simulation.server.stop()
    refused = api.post("/api/v1/channel-accounts/jd-shop/pull/")
    assert refused.status_code == 502 and refused.json()["code"] == "pull_failed"
    assert api.get("/api/v1/channel-accounts/jd-shop/").json()["last_pull_error"]
    assert api.delete("/api/v1/channel-accounts/jd-shop/").status_code == 204
    assert AuditEntry.objects.filter(workspace=workspace, action="channel_account.deleted").exists()
    assert api.get("/api/v1/channel-accounts/jd-shop/").status_code == 404
