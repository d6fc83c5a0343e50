"""Stock push: a stock change becomes one coalesced push per SKU per account, sent through the adapter."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.accounts.services import set_http_allow_list
from apps.connectors.channels.stock import note_push, push_due
from apps.connectors.models import StockPush
from apps.connectors.verification import modes
from apps.core.outbox import dispatch_pending
from apps.core.signing import new_secret
from apps.forms.services.counters import Adjustment, adjust
from tests.support.loopback import ANY_PATH, LoopbackServer

STOCK = [{"key": "sku", "type": "text", "required": True}, {"key": "available", "type": "counter", "min": 0},
         {"key": "shopify_item", "type": "text"}]


class Shop(LoopbackServer):
    """A channel's stock API on loopback, serving from the moment it is made."""

    def __init__(self) -> None:
        super().__init__()
        self.start()


@pytest.fixture
def shop():
    with Shop() as server:
        yield server


@pytest.fixture
def stock(make, workspace):
    return make.form(workspace, STOCK, key="stock", unique_key=["sku"])


@pytest.fixture
def website(make, workspace, owner, stock, shop):
    set_http_allow_list(workspace, [f"127.0.0.1:{shop.port}"], member=owner)
    secret = new_secret()
    account = make.channel_account(
        workspace, "website", key="own-site", base_url=shop.url, credentials={"webhook_secret": secret},
        stock_form="stock", stock_sku_field="sku", stock_available="{{ record.available }}",
        push_enabled=True, push_window_seconds=5)
    account.secret = secret
    return account


def due_later(seconds: int = 10):
    return timezone.now() + timedelta(seconds=seconds)


def test_rapid_changes_coalesce_into_one_push_of_the_latest_quantity(make, stock, website, shop):
    record = make.record(stock, {"sku": "MUG-01", "available": 10})
    dispatch_pending()
    for delta in (-1, -2, -3):
        adjust(stock, Adjustment(record.pk, "available", delta, key=f"k{delta}"))
        dispatch_pending()
    push = StockPush.objects.get()
    assert (push.sku, push.quantity, push.status, push.changes) == ("MUG-01", 4, "pending", 4)
    assert push_due() == 0 and not shop.requests
    assert push_due(now=due_later()) == 1
    assert len(shop.requests) == 1
    sent = shop.requests[0]
    assert sent["path"] == "/webhooks/weft/stock"
    assert json.loads(sent["body"])["data"] == {"sku": "MUG-01", "available": 4}
    assert modes.get("standard_webhooks").verify({}, [website.secret], sent["headers"], sent["body"],
                                                 timezone.now().timestamp())
    push.refresh_from_db()
    assert push.status == "sent" and push.status_code == 200 and push.sent_at


def test_a_change_after_a_push_starts_a_new_window(make, stock, website, shop):
    record = make.record(stock, {"sku": "MUG-01", "available": 10})
    dispatch_pending()
    push_due(now=due_later())
    adjust(stock, Adjustment(record.pk, "available", -1, key="again"))
    dispatch_pending()
    assert StockPush.objects.filter(status="pending").get().quantity == 9
    push_due(now=due_later())
    assert [json.loads(r["body"])["data"]["available"] for r in shop.requests] == [10, 9]


def test_a_change_while_sending_is_sent_again(stock, website, shop, monkeypatch):
    from apps.connectors.channels import stock as service

    note_push(website, "MUG-01", 5)
    real = service.http.request

    def slow(*args, **kwargs):
        answer = real(*args, **kwargs)
        note_push(website, "MUG-01", 3)
        return answer

    monkeypatch.setattr(service.http, "request", slow)
    push_due(now=due_later())
    push = StockPush.objects.get()
    assert push.status == "pending" and push.quantity == 3
    monkeypatch.setattr(service.http, "request", real)
    push_due(now=due_later())
    assert [json.loads(r["body"])["data"]["available"] for r in shop.requests] == [5, 3]
    push.refresh_from_db()
    assert push.status == "sent"


def test_failures_are_retried_later_and_an_error_in_a_200_counts(workspace, owner, make, stock, shop):
    set_http_allow_list(workspace, ["127.0.0.1"], member=owner)
    account = make.channel_account(
        workspace, "shopify", base_url=shop.url, credentials={"access_token": "shpat_x", "location_id": "655441491"},
        stock_form="stock", stock_sku_field="sku", stock_listing={"inventory_item_id": "{{ record.shopify_item }}"},
        push_enabled=True)
    make.record(stock, {"sku": "MUG-01", "available": 7, "shopify_item": "808950810"})
    dispatch_pending()
    shop.answer(ANY_PATH, (503, {"errors": "busy"}),
                (200, {"errors": "Inventory item does not have inventory tracking"}), (200, {"ok": True}))
    push_due(now=due_later())
    push = StockPush.objects.get(account=account)
    assert push.status == "pending" and push.attempts == 1 and push.status_code == 503
    push_due(now=due_later(3600))
    push.refresh_from_db()
    assert push.attempts == 2 and "inventory tracking" in push.error
    push_due(now=due_later(7200))
    push.refresh_from_db()
    assert push.status == "sent"
    body = json.loads(shop.requests[-1]["body"])
    assert body == {"location_id": 655441491, "inventory_item_id": 808950810, "available": 7}
    assert shop.requests[-1]["headers"]["x-shopify-access-token"] == "shpat_x"


def test_a_private_address_not_on_the_allow_list_is_a_failed_attempt(make, workspace, stock, shop):
    account = make.channel_account(workspace, "website", base_url=shop.url,
                                   credentials={"webhook_secret": new_secret()}, stock_form="stock",
                                   stock_sku_field="sku", push_enabled=True)
    note_push(account, "MUG-01", 1)
    assert push_due(now=due_later()) == 0
    push = StockPush.objects.get()
    assert push.status == "pending" and "allow-list" in push.error and not shop.requests


def test_records_of_other_forms_push_nothing(make, workspace, stock, website):
    other = make.form(workspace, STOCK, key="other", unique_key=["sku"])
    make.record(other, {"sku": "MUG-01", "available": 1})
    dispatch_pending()
    assert not StockPush.objects.exists()


@pytest.mark.parametrize(("body", "field"), [
    ({"key": "x", "adapter": "nope"}, "adapter"),
    ({"key": "x", "adapter": "website", "push_enabled": True}, "stock_form"),
    ({"key": "x", "adapter": "website", "stock_form": "stock", "stock_sku_field": "nope"}, "stock_sku_field"),
    ({"key": "x", "adapter": "website", "stock_available": "{{ record. }}"}, "stock_available"),
    ({"key": "x", "adapter": "website", "stock_listing": {"id": "{{ ( }}"}}, "stock_listing.id"),
    ({"key": "x", "adapter": "shopify", "pull_enabled": True}, "pull_enabled"),
    ({"key": "x", "adapter": "jd", "pull_enabled": True}, "endpoint"),
    ({"key": "x", "adapter": "jd", "base_url": "ftp://x"}, "base_url"),
])
def test_bad_accounts_are_refused_naming_the_field(api, stock, body, field):
    response = api.post("/api/v1/channel-accounts/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()


def test_accounts_api_masks_credentials_and_is_isolated(api, make, stock, shop):
    created = api.post("/api/v1/channel-accounts/", {
        "key": "site", "adapter": "website", "base_url": shop.url, "credentials": {"webhook_secret": "whsec_x",
                                                                                  "shop": "s1"}}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["credentials"] == {"webhook_secret": {"secret": "channel-site-webhook_secret"},
                                             "shop": {"secret": "channel-site-shop"}}
    assert api.get("/api/v1/channel-adapters/").json()["results"][0]["key"]
    stranger = make.client(make.owner(make.workspace()))
    assert stranger.get("/api/v1/channel-accounts/site/").status_code == 404
    assert api.get("/api/v1/channel-accounts/site/stock-pushes/").json()["results"] == []
