"""The simulated channels speak their adapters' shapes.

Every state the shop gives an order reads back, through the channel's
adapter, as that order (as far as the channel can say it); pulled channels
page their orders through the loopback server to the adapter's cursor; every
channel's stock update, as its adapter renders it, is understood.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta

import pytest

from apps.connectors.adapters import (
    ChannelError,
    get_adapter,
    pull_page,
    pull_request,
    stock_error,
    stock_request,
    to_order,
)
from apps.connectors.adapters.canonical import later, moment
from apps.connectors.channels.stock import available
from apps.connectors.models import ChannelAccount
from apps.connectors.simulator.players import players
from apps.connectors.simulator.server import ChannelServer, ChannelState
from apps.connectors.simulator.shop import CATALOG, Order, Shop
from apps.core import http

KEYS = players.types()
PULLED = [key for key in KEYS if players.get(key).pulled]
NOW = datetime(2026, 11, 11, 4, 0, tzinfo=UTC)
KINDS = ("paid", "shipped", "completed", "cancelled", "refunded", "partly refunded")


def kind(order: Order) -> str:
    return "partly refunded" if order.status == "completed" and order.refunds else order.status


def lives(key: str) -> list[Order]:
    """Every state of the shop's orders, until each kind of state has been seen (the shop is seeded)."""
    shop, states, at = Shop(key, 7), [], NOW - timedelta(days=2)
    while {kind(o) for o in states} < set(KINDS) and len(states) < 5000:
        at += timedelta(minutes=1)
        order = shop.new_order(at)
        while order is not None:
            states.append(order)
            at += timedelta(seconds=30)
            order = shop.advance(order, at)
    return states


def canonical(key: str, order: Order, *, pulled: bool = False) -> dict:
    """What the channel can say of ``order``: the shop's values, less what the channel does not carry.

    JD's order search and Pinduoduo's orders carry no refund amounts, and
    neither do 抖店's pulled orders; JD keeps a refunded order finished,
    Pinduoduo's refund_status 4 reads as refunded even for a partial refund,
    抖店 closes a fully refunded order (read as cancelled) and WooCommerce has
    no shipped status.
    """
    status = order.status
    if key == "jd" and status == "refunded":
        status = "completed"
    elif key == "pinduoduo" and order.refunded:
        status = "refunded"
    elif key == "douyin" and status == "refunded":
        status = "cancelled"
    elif key == "woocommerce" and status == "shipped":
        status = "paid"
    refunds = key in ("jd", "pinduoduo") or (key == "douyin" and pulled)
    return {
        "order_id": order.order_id, "status": status, "total": str(order.total),
        "paid_amount": str(order.total) if order.paid_at else "0.00",
        "refunded_amount": "0.00" if refunds else str(order.refunded),
        "updated_at": moment(order.updated_at), "created_at": moment(order.created_at),
        "items": [(line.sku, line.quantity, str(line.price)) for line in order.lines],
    }


def read(order: dict) -> dict:
    return {**{name: order[name] for name in ("order_id", "status", "total", "paid_amount", "refunded_amount",
                                               "updated_at", "created_at")},
            "items": [(item["sku"], item["quantity"], item["price"]) for item in order["items"]]}


def account(key: str, server: ChannelServer) -> dict:
    return {"base_url": server.base_url(key), "credentials": players.get(key).credentials}


def send(request: dict) -> tuple[int, object]:
    answer = http.request(request["method"], request["url"], headers=request["headers"], body=request["body"],
                          allow=["127.0.0.1"], follow_redirects=False)
    return answer.status, json.loads(answer.body)


@pytest.fixture(scope="module")
def running():
    started = ChannelServer({player.type: player for player in players.all()}).start()
    yield started
    started.stop()


@pytest.fixture
def server(running):
    """The module's server, holding nothing yet."""
    running.state = ChannelState()
    return running


def test_every_adapter_has_a_player_that_pushes_or_is_pulled_as_its_document_says():
    for key in KEYS:
        modes = get_adapter(key)["intake"]["modes"]
        player = players.get(key)
        assert (player.pushed, player.pulled) == ("push" in modes, "pull" in modes), key
    assert set(KEYS) == {"douyin", "jd", "pinduoduo", "shopify", "taobao", "website", "woocommerce"}


@pytest.mark.parametrize("key", KEYS)
def test_every_state_of_the_shops_orders_reads_back_through_the_adapter(key):
    player = players.get(key)
    states = lives(key)
    assert {kind(o) for o in states} >= set(KINDS)
    for order in states:
        wire = json.loads(json.dumps(player.webhook(order), ensure_ascii=False))
        assert read(to_order(key, wire)) == canonical(key, order), (kind(order), order.order_id)


@pytest.mark.parametrize("key", ["taobao", "douyin", "shopify", "woocommerce", "website"])
def test_refunds_read_back_with_their_amounts_and_ids(key):
    player = players.get(key)
    refunded = [o for o in lives(key) if o.refunds]
    for order in refunded:
        refunds = to_order(key, json.loads(json.dumps(player.webhook(order))))["refunds"]
        assert [(r["amount"], r["status"]) for r in refunds] == [(str(r.amount), "succeeded") for r in order.refunds]
        assert all(r["refund_id"] for r in refunds)


def published(server: ChannelServer, key: str) -> list[Order]:
    """Seven orders updated between 100 and 76 minutes before NOW, some of them moved on to a later state."""
    shop, latest = Shop(key, 11), []
    for index in range(7):
        at = NOW - timedelta(minutes=100) + timedelta(minutes=4 * index)
        order = shop.new_order(at)
        for _step in range(index % 3):
            following = shop.advance(order, at + timedelta(seconds=20))
            order = following or order
        server.state.publish(order)
        latest.append(order)
    return sorted(latest, key=lambda o: (o.updated_at, o.order_id))


def pull_all(key: str, server: ChannelServer, cursor: str, page_size: int) -> tuple[dict, int, str]:
    """Windows and pages as Weft's scheduled pull takes them: (orders by id, pages read, final cursor)."""
    end = moment(NOW - timedelta(seconds=get_adapter(key)["pull"].get("lag_seconds", 0)))
    found, pages = {}, 0
    for _window in range(200):
        newest, page = None, 1
        while True:
            request = pull_request(key, account(key, server), cursor, page, page_size, now=NOW)
            status, answer = send(request)
            assert status == 200
            orders, more, latest = pull_page(key, answer, page=page, page_size=request["page_size"],
                                             until=request["until"])
            pages += 1
            found.update({order["order_id"]: order for order in orders})
            newest = later(newest, latest)
            if not more:
                break
            page += 1
        cursor = later(cursor, newest)
        if cursor >= end:
            return found, pages, cursor
    raise AssertionError("the cursor never reached the end of the last window")


@pytest.mark.parametrize("key", PULLED)
def test_pulled_channels_page_their_latest_orders_to_the_cursor(key, server):
    orders = published(server, key)
    first = moment(orders[0].updated_at)
    found, pages, cursor = pull_all(key, server, first, page_size=2)
    assert sorted(found) == sorted(o.order_id for o in orders)
    assert {order_id: read(order) for order_id, order in found.items()} == {
        o.order_id: canonical(key, o, pulled=True) for o in orders}
    assert pages >= 4
    assert cursor == moment(NOW - timedelta(seconds=get_adapter(key)["pull"]["lag_seconds"]))
    assert server.state.summary()["pull_requests"][key] == pages


@pytest.mark.parametrize("key", PULLED)
def test_a_window_after_the_newest_update_is_empty_and_moves_the_cursor(key, server):
    orders = published(server, key)
    after = moment(orders[-1].updated_at + timedelta(seconds=1))
    request = pull_request(key, account(key, server), after, 1, 2, now=NOW)
    status, answer = send(request)
    found, more, cursor = pull_page(key, answer, page=1, page_size=2, until=request["until"])
    assert (status, found, more, cursor) == (200, [], False, request["until"])


def test_pinduoduo_refuses_a_window_longer_than_thirty_minutes(server):
    published(server, "pinduoduo")
    adapter = get_adapter("pinduoduo")
    adapter["pull"]["window_seconds"] = 3600
    request = pull_request(adapter, account("pinduoduo", server), moment(NOW - timedelta(hours=2)), now=NOW)
    status, answer = send(request)
    assert status == 200
    with pytest.raises(ChannelError, match="30 minutes"):
        pull_page(adapter, answer, until=request["until"])


@pytest.mark.parametrize("key", KEYS)
def test_every_channel_understands_its_stock_update(key, server):
    player = players.get(key)
    for quantity, (sku, _title, _price) in enumerate(CATALOG, start=3):
        request = stock_request(key, account(key, server), sku, quantity, listing=player.listing(sku), now=NOW)
        status, answer = send(request)
        assert status == 200, answer
        assert stock_error(key, answer) is None
        assert server.state.stock[(key, sku)] == quantity
    assert [(p["sku"], p["quantity"]) for p in server.state.pushes] == [
        (sku, quantity) for quantity, (sku, _title, _price) in enumerate(CATALOG, start=3)]


WRONG = {
    "taobao": ("SKU-1001", {"num_iid": "1"}),
    "jd": ("SKU-1001", {"sku_id": "1"}),
    "pinduoduo": ("SKU-1001", {"goods_id": "1"}),
    "douyin": ("SKU-1001", {"product_id": "1"}),
    "shopify": ("SKU-1001", {"inventory_item_id": "1"}),
    "woocommerce": ("SKU-1001", {"product_id": "1"}),
    "website": ("SKU-0000", {}),
}


@pytest.mark.parametrize("key", KEYS)
def test_a_stock_update_for_a_product_the_channel_does_not_list_is_refused_in_its_own_way(key, server):
    sku, listing = WRONG[key]
    status, answer = send(stock_request(key, account(key, server), sku, 5, listing=listing, now=NOW))
    assert status >= 400 or stock_error(key, answer)
    assert server.state.pushes == []


def test_the_variable_product_of_woocommerce_takes_stock_only_by_variation(server):
    player = players.get("woocommerce")
    variant, simple = player.listing("SKU-1002"), player.listing("SKU-3001")
    assert variant["product_id"] == player.listing("SKU-1001")["product_id"] and "variation_id" in variant
    assert "variation_id" not in simple
    parent = {"product_id": variant["product_id"]}
    status, answer = send(stock_request("woocommerce", account("woocommerce", server), "SKU-1002", 4, listing=parent))
    assert (status, answer["code"]) == (404, "woocommerce_rest_product_invalid_id")
    assert server.state.pushes == []


@pytest.mark.parametrize("key", KEYS)
def test_an_accounts_stock_listing_gives_the_ids_the_player_maps_back(key):
    player = players.get(key)
    target = ChannelAccount(stock_sku_field="sku", stock_available="{{ record.available }}",
                            stock_listing=player.stock_listing())
    for sku, _title, _price in CATALOG:
        found_sku, quantity, listing = available(target, {"sku": sku, "available": 9})
        assert (found_sku, quantity) == (sku, 9)
        assert {name: value for name, value in listing.items() if value is not None} == player.listing(sku)
    if key in ("jd", "shopify", "woocommerce"):
        ids = [json.dumps(player.listing(sku), sort_keys=True) for sku, _title, _price in CATALOG]
        assert len(set(ids)) == len(ids), "these channels name a SKU by its listing alone"
