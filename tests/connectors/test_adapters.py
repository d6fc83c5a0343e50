"""Channel adapters: every sample maps exactly, documents validate, errors are located, requests render."""

from __future__ import annotations

import base64
import copy
import hashlib
import hmac
import json
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import parse_qsl, urlsplit

import pytest
from django.conf import settings

from apps.connectors.adapters import (
    AdapterError,
    ChannelError,
    all_adapters,
    event_id_of,
    get_adapter,
    order_id_of,
    pull_page,
    pull_request,
    stock_error,
    stock_request,
    to_order,
    validate_adapter,
)
from apps.connectors.adapters.schema import adapter_schema
from apps.connectors.verification import modes
from apps.core import http
from apps.core.errors import NotFound, ValidationFailed
from apps.core.schemas import all_references, all_schemas
from tests.support.loopback import ANY_PATH, LoopbackServer

SAMPLES = Path(settings.BASE_DIR) / "platform" / "adapters" / "samples"
KEYS = ["douyin", "jd", "pinduoduo", "shopify", "taobao", "website", "woocommerce"]
PULLED = ["douyin", "jd", "pinduoduo"]
NOW = datetime(2026, 11, 11, 0, 0, 5, tzinfo=UTC)


def load(path: Path):
    return json.loads(path.read_text(encoding="utf-8"))


def samples(kind: str = "order") -> list[tuple[str, str]]:
    found = []
    for key in KEYS:
        for path in sorted((SAMPLES / key).glob("*.json")):
            name = path.name.removesuffix(".json")
            if name.endswith(".expected"):
                continue
            if (name == "pull_page") == (kind == "page"):
                found.append((key, name))
    return found


def sample(key: str, name: str):
    return load(SAMPLES / key / f"{name}.json")


def expected(key: str, name: str):
    return load(SAMPLES / key / f"{name}.expected.json")


ACCOUNTS = {
    "taobao": {"base_url": "", "credentials": {"app_key": "12345678", "app_secret": "tb-secret", "session": "6100a1b2c3"}},
    "jd": {"base_url": "", "credentials": {"app_key": "JDKEY01", "app_secret": "jd-secret", "access_token": "jd-token"}},
    "pinduoduo": {"base_url": "", "credentials": {"client_id": "pdd-client", "client_secret": "pdd-secret",
                                                  "access_token": "pdd-token"}},
    "douyin": {"base_url": "", "credentials": {"app_key": "7012345678901", "app_secret": "dy-secret",
                                               "access_token": "dy-token"}},
    "shopify": {"base_url": "https://weft-goods.myshopify.com",
                "credentials": {"access_token": "shpat_0123", "location_id": 65432109876}},
    "woocommerce": {"base_url": "https://shop.example.com", "credentials": {"consumer_key": "ck_1", "consumer_secret": "cs_2"}},
    "website": {"base_url": "https://www.example.cn", "credentials": {"webhook_secret": "whsec_" + base64.b64encode(
        b"0123456789abcdef0123456789abcdef").decode()}},
}
LISTINGS = {
    "taobao": {"num_iid": 712345678901}, "jd": {"sku_id": 100012345678}, "pinduoduo": {"goods_id": 512345678901},
    "douyin": {"product_id": 3581234567890123456}, "shopify": {"inventory_item_id": 45678901234},
    "woocommerce": {"product_id": 93, "variation_id": 95}, "website": {},
}


def top_sign(secret: str, params: dict[str, str]) -> str:
    """The MD5 signature of Taobao, JD and Pinduoduo, computed here independently of the documents."""
    text = secret + "".join(f"{k}{v}" for k, v in sorted(params.items())) + secret
    return hashlib.md5(text.encode()).hexdigest().upper()


def form_of(request: dict) -> dict[str, str]:
    return dict(parse_qsl(request["body"].decode(), keep_blank_values=True))


# --- documents -------------------------------------------------------------------------------


def test_the_built_in_adapters_are_the_seven_channels():
    assert [doc["key"] for doc in all_adapters()] == KEYS


@pytest.mark.parametrize("key", KEYS)
def test_every_document_validates_against_the_schema(key):
    on_disk = load(Path(settings.BASE_DIR) / "platform" / "adapters" / f"{key}.json")
    assert validate_adapter(on_disk) == on_disk
    assert get_adapter(key) == on_disk


def test_get_adapter_gives_a_copy():
    doc = get_adapter("taobao")
    doc["order"]["fields"]["total"] = "{{ 0 }}"
    assert get_adapter("taobao")["order"]["fields"]["total"] == "{{ order.payment }}"


def test_an_unknown_adapter_is_not_found():
    with pytest.raises(NotFound):
        get_adapter("amazon")
    with pytest.raises(NotFound):
        to_order("amazon", {})


@pytest.fixture
def adapters_in(monkeypatch, tmp_path):
    """Built-in documents read from ``tmp_path`` instead of platform/adapters, for one test."""
    from apps.connectors.adapters import documents

    monkeypatch.setattr(documents, "adapters_folder", lambda: tmp_path)
    documents._builtins.cache_clear()
    yield tmp_path
    documents._builtins.cache_clear()


def test_a_broken_built_in_document_names_its_key_path_and_file(adapters_in):
    doc = load(Path(settings.BASE_DIR) / "platform" / "adapters" / "woocommerce.json")
    doc["order"]["items"]["fields"]["price"] = "{{ item.price | money( }}"
    (adapters_in / "woocommerce.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(AdapterError) as info:
        get_adapter("woocommerce")
    assert info.value.adapter == "woocommerce" and info.value.path == "order.items.fields.price"
    assert info.value.extra["file"].endswith("woocommerce.json")
    assert "woocommerce" in str(info.value) and "money(" in str(info.value)


def test_a_built_in_document_is_named_by_its_key(adapters_in):
    doc = load(Path(settings.BASE_DIR) / "platform" / "adapters" / "website.json")
    (adapters_in / "shop.json").write_text(json.dumps(doc), encoding="utf-8")
    with pytest.raises(AdapterError) as info:
        all_adapters()
    assert info.value.path == "key" and "shop" in str(info.value)
    (adapters_in / "shop.json").write_text("{not json", encoding="utf-8")
    with pytest.raises(AdapterError) as info:
        all_adapters()
    assert info.value.adapter == "shop" and "shop.json" in str(info.value)


def test_the_schema_and_reference_are_registered():
    assert all_schemas()["adapter.schema.json"] is adapter_schema
    page = all_references()["adapters.md"]()
    assert "## The canonical order" in page
    for key in KEYS:
        assert f"`{key}`" in page


def test_pulled_channels_have_a_pull_section_and_pushed_ones_a_verification():
    for doc in all_adapters():
        if "pull" in doc["intake"]["modes"]:
            assert "pull" in doc
        if "push" in doc["intake"]["modes"]:
            assert doc["intake"]["verification"]["mode"] in modes
        assert "stock_update" in doc


# --- samples ---------------------------------------------------------------------------------


def test_every_channel_has_the_sample_kinds():
    names = {key: {name for k, name in samples() if k == key} for key in KEYS}
    for key in KEYS:
        assert "paid" in names[key] and "cancelled" in names[key], key
        assert names[key] & {"shipped", "completed"}, key
        assert any(name.startswith("refund") for name in names[key]), key
        assert len(to_order(key, sample(key, "paid"))["items"]) >= 2, key
    assert {key for key, _name in samples("page")} == set(PULLED)


@pytest.mark.parametrize(("key", "name"), samples())
def test_every_sample_maps_to_its_expected_canonical_order(key, name):
    order = to_order(key, sample(key, name))
    assert order == expected(key, name)
    assert json.loads(json.dumps(order)) == order  # plain JSON: no Decimal, no datetime


@pytest.mark.parametrize(("key", "name"), samples("page"))
def test_every_pull_page_maps_to_its_expected_orders(key, name):
    orders, has_more, cursor = pull_page(key, sample(key, name), page=1, page_size=2)
    assert {"orders": orders, "has_more": has_more, "next_cursor": cursor} == expected(key, name)
    assert len(orders) == 2 and has_more is True


def test_canonical_values_are_exact_and_in_utc():
    pdd = to_order("pinduoduo", sample("pinduoduo", "paid"))
    assert (pdd["total"], pdd["discount"], pdd["items"][0]["price"]) == ("76.80", "13.00", "19.90")
    assert pdd["created_at"] == "2026-11-10T16:01:12Z"  # 2026-11-11 00:01:12 in Beijing
    douyin = to_order("douyin", sample("douyin", "paid"))
    assert (douyin["total"], douyin["discount"], douyin["items"][1]["price"]) == ("258.00", "20.00", "149.00")
    shopify = to_order("shopify", sample("shopify", "paid"))
    assert shopify["created_at"] == "2026-11-11T00:03:12Z"  # 19:03:12-05:00


def test_samples_parsed_with_decimals_map_the_same():
    raw = (SAMPLES / "pinduoduo" / "paid.json").read_text(encoding="utf-8")
    from decimal import Decimal

    assert to_order("pinduoduo", json.loads(raw, parse_float=Decimal)) == expected("pinduoduo", "paid")


def test_partial_refunds_add_up_and_keep_the_status():
    taobao = to_order("taobao", sample("taobao", "refund_partial"))
    assert (taobao["status"], taobao["refunded_amount"]) == ("shipped", "180.00")
    douyin = to_order("douyin", sample("douyin", "refund_partial"))
    assert [r["refund_id"] for r in douyin["refunds"]] == ["7301234567890123456"]  # the exchange is no refund
    assert to_order("taobao", sample("taobao", "refund_requested"))["status"] == "refunding"


def test_order_id_of_reads_only_the_number():
    assert order_id_of("taobao", sample("taobao", "paid")) == "3712849561023456789"
    assert order_id_of("website", sample("website", "paid")) == "W20261111-0007"


def test_event_id_of_reads_the_document_entry():
    assert event_id_of("shopify", sample("shopify", "paid")) is None
    doc = get_adapter("website")
    doc["event_id"] = "{{ payload.data.order_id ~ '@' ~ payload.timestamp }}"
    assert event_id_of(validate_adapter(doc), sample("website", "paid")) == "W20261111-0007@2026-11-11T00:04:09Z"


def test_a_workspace_document_given_as_a_dict_is_used():
    doc = get_adapter("website")
    doc.update(key="pos", name="Store tills", currency="HKD")
    doc["order"]["fields"].pop("currency")
    order = to_order(validate_adapter(doc), sample("website", "paid"))
    assert (order["channel"], order["currency"], order["total"]) == ("pos", "HKD", "306.00")


# --- located errors --------------------------------------------------------------------------


def test_a_bad_expression_is_refused_with_adapter_path_and_expression():
    doc = get_adapter("pinduoduo")
    doc["order"]["fields"]["total"] = "{{ order.pay_amount | }}"
    with pytest.raises(ValidationFailed) as info:
        validate_adapter(doc)
    error = info.value
    assert isinstance(error, AdapterError) and error.adapter == "pinduoduo"
    assert list(error.errors) == ["order.fields.total"]
    assert "order.pay_amount |" in error.errors["order.fields.total"][0]
    assert "pinduoduo" in str(error) and "order.fields.total" in str(error)


def test_bad_conditions_and_request_templates_are_checked_too():
    doc = get_adapter("taobao")
    doc["order"]["status"]["rules"][0]["when"] = "order.status =="
    doc["stock_update"]["form"]["quantity"] = "{{ quantity + }}"
    with pytest.raises(AdapterError) as info:
        validate_adapter(doc)
    assert set(info.value.errors) == {"order.status.rules[0].when", "stock_update.form.quantity"}


def test_a_missing_required_field_is_located():
    doc = get_adapter("jd")
    del doc["order"]["fields"]["order_id"]
    doc["order"]["status"]["map"]["FINISHED_L"] = "done"
    with pytest.raises(AdapterError) as info:
        validate_adapter(doc)
    assert "'order_id' is required" in info.value.errors["order.fields"][0]
    assert "order.status.map.FINISHED_L" in info.value.errors


def test_document_level_problems_are_located():
    doc = get_adapter("jd")
    doc["timezone"] = "Asia/Beijing"
    del doc["pull"]
    doc["intake"]["verification"] = {"mode": "hmac"}
    with pytest.raises(AdapterError) as info:
        validate_adapter(doc)
    assert "'header' is required" in " ".join(info.value.errors["intake.verification"])
    doc["intake"].pop("verification")
    with pytest.raises(AdapterError) as info:
        validate_adapter(doc)
    assert set(info.value.errors) == {"timezone", "pull"}
    with pytest.raises(AdapterError):
        validate_adapter(["not", "a", "document"])


def test_an_unknown_status_code_names_the_adapter_path_and_value():
    payload = sample("pinduoduo", "paid")
    payload["order_status"] = 9
    with pytest.raises(AdapterError) as info:
        to_order("pinduoduo", payload)
    error = info.value
    assert error.adapter == "pinduoduo" and error.path == "order.status.map"
    assert error.extra["value"] == "9"
    assert "'9'" in str(error) and "order.order_status" in str(error)


def test_a_missing_payload_field_names_the_expression():
    payload = sample("taobao", "paid")
    del payload["trade"]["payment"]
    with pytest.raises(AdapterError) as info:
        to_order("taobao", payload)
    assert info.value.path == "order.fields.total"
    assert info.value.expression == "{{ order.payment }}"
    assert "'payment' is undefined" in str(info.value)


def test_a_bad_line_names_the_field_and_the_element():
    payload = sample("jd", "paid")
    payload["itemInfoList"][1]["jdPrice"] = "259.005"
    with pytest.raises(AdapterError) as info:
        to_order("jd", payload)
    assert info.value.path == "order.items.fields.price"
    assert "item 2" in str(info.value) and "more than two decimal places" in str(info.value)


def test_a_local_time_without_a_zone_is_refused():
    doc = get_adapter("taobao")
    doc["order"]["fields"]["created_at"] = "{{ order.created }}"
    with pytest.raises(AdapterError) as info:
        to_order(doc, sample("taobao", "paid"))
    assert info.value.path == "order.fields.created_at" and "to_utc" in str(info.value)


def test_a_payload_without_the_root_object_is_refused():
    with pytest.raises(AdapterError) as info:
        to_order("website", {"type": "order.created", "data": ["not an order"]})
    assert info.value.path == "order.root"


# --- stock requests --------------------------------------------------------------------------


@pytest.mark.parametrize("key", KEYS)
def test_stock_request_renders_for_every_channel(key):
    request = stock_request(key, ACCOUNTS[key], "TS-1001-BLK-M", 7, listing=LISTINGS[key], now=NOW)
    assert isinstance(request["body"], bytes)
    assert request["url"].startswith("https://")
    assert request["method"] in ("POST", "PUT")


@pytest.mark.parametrize(("key", "url", "secret", "expected"), [
    ("taobao", "https://eco.taobao.com/router/rest", "tb-secret",
     {"method": "taobao.item.quantity.update", "app_key": "12345678", "session": "6100a1b2c3",
      "timestamp": "2026-11-11 08:00:05", "format": "json", "v": "2.0", "sign_method": "md5",
      "num_iid": "712345678901", "outer_id": "TS-1001-BLK-M", "quantity": "7", "type": "1"}),
    ("jd", "https://api.jd.com/routerjson", "jd-secret",
     {"method": "jingdong.stock.write.updateSkuStock", "app_key": "JDKEY01", "access_token": "jd-token",
      "timestamp": "2026-11-11 08:00:05", "v": "2.0",
      "360buy_param_json": '{"skuId":100012345678,"stockNum":7}'}),
    ("pinduoduo", "https://gw-api.pinduoduo.com/api/router", "pdd-secret",
     {"type": "pdd.goods.quantity.update", "client_id": "pdd-client", "access_token": "pdd-token",
      "timestamp": "1794355205", "data_type": "JSON", "goods_id": "512345678901", "outer_id": "TS-1001-BLK-M",
      "quantity": "7", "update_type": "1"}),
])
def test_signed_form_stock_requests(key, url, secret, expected):
    request = stock_request(key, ACCOUNTS[key], "TS-1001-BLK-M", 7, listing=LISTINGS[key], now=NOW)
    assert (request["method"], request["url"]) == ("POST", url)
    assert request["headers"]["Content-Type"] == "application/x-www-form-urlencoded"
    form = form_of(request)
    sign = form.pop("sign")
    assert form == expected
    assert sign == top_sign(secret, expected)


def test_douyin_stock_request_signs_the_json_body():
    request = stock_request("douyin", ACCOUNTS["douyin"], "KD-7007-BLU-120", 12, listing=LISTINGS["douyin"], now=NOW)
    url = urlsplit(request["url"])
    assert (request["method"], url.netloc, url.path) == ("POST", "openapi-fxg.jinritemai.com", "/sku/syncStock")
    body = request["body"].decode()
    assert body == '{"code":"KD-7007-BLU-120","incremental":false,"product_id":"3581234567890123456","stock_num":12}'
    query = dict(parse_qsl(url.query))
    assert query["method"] == "sku.syncStock" and query["timestamp"] == "1794355205"
    text = f"dy-secretapp_key7012345678901methodsku.syncStockparam_json{body}timestamp1794355205v2dy-secret"
    assert query["sign"] == hmac.new(b"dy-secret", text.encode(), hashlib.sha256).hexdigest()


def test_shopify_and_woocommerce_stock_requests():
    shopify = stock_request("shopify", ACCOUNTS["shopify"], "MUG-0101-WHT", 3, listing=LISTINGS["shopify"], now=NOW)
    assert shopify["url"] == "https://weft-goods.myshopify.com/admin/api/2024-10/inventory_levels/set.json"
    assert shopify["headers"] == {"X-Shopify-Access-Token": "shpat_0123", "Content-Type": "application/json"}
    assert json.loads(shopify["body"]) == {"location_id": 65432109876, "inventory_item_id": 45678901234, "available": 3}
    woo = stock_request("woocommerce", ACCOUNTS["woocommerce"], "TOTE-0301-NAT", 0, listing=LISTINGS["woocommerce"],
                        now=NOW)
    assert (woo["method"], woo["url"]) == ("PUT", "https://shop.example.com/wp-json/wc/v3/products/93/variations/95")
    assert woo["headers"]["Authorization"] == "Basic " + base64.b64encode(b"ck_1:cs_2").decode()
    assert json.loads(woo["body"]) == {"manage_stock": True, "stock_quantity": 0}
    simple = stock_request("woocommerce", ACCOUNTS["woocommerce"], "HAT-0402-GRY", 4, listing={"product_id": 101}, now=NOW)
    assert simple["url"] == "https://shop.example.com/wp-json/wc/v3/products/101"


def test_a_stock_request_without_the_listing_it_needs_is_located():
    with pytest.raises(AdapterError) as info:
        stock_request("shopify", ACCOUNTS["shopify"], "MUG-0101-WHT", 3, now=NOW)
    assert info.value.path == "stock_update.body.inventory_item_id"
    with pytest.raises(AdapterError) as info:
        stock_request("website", {"base_url": "", "credentials": {}}, "X", 1, now=NOW)
    assert info.value.path == "stock_update.path"


def test_stock_error_reads_the_channels_own_errors():
    failed = {"error_response": {"error_code": 10019, "error_msg": "access_token已过期"}}
    assert stock_error("pinduoduo", failed) == "access_token已过期"
    assert stock_error("pinduoduo", {"goods_quantity_update_response": {"is_success": True}}) is None
    assert stock_error("douyin", {"code": 50002, "msg": "业务处理失败", "data": {}}) == "业务处理失败"
    assert stock_error("douyin", {"code": 10000, "msg": "success", "data": {}}) is None
    assert stock_error("website", {"ok": True}) is None


# --- pulls -----------------------------------------------------------------------------------


def test_pinduoduo_pulls_a_window_of_thirty_minutes_behind_its_clock():
    request = pull_request("pinduoduo", ACCOUNTS["pinduoduo"], "2026-11-10T22:00:00Z", 2, 50, now=NOW)
    assert (request["since"], request["until"]) == ("2026-11-10T22:00:00Z", "2026-11-10T22:30:00Z")
    form = form_of(request)
    sign = form.pop("sign")
    assert sign == top_sign("pdd-secret", form)
    assert form["start_updated_at"] == "1794348000" and form["end_updated_at"] == "1794349800"
    assert (form["page"], form["page_size"], form["type"]) == ("2", "50", "pdd.order.number.list.increment.get")
    recent = pull_request("pinduoduo", ACCOUNTS["pinduoduo"], "2026-11-10T23:50:00Z", 1, now=NOW)
    assert recent["until"] == "2026-11-10T23:57:05Z" and recent["page_size"] == 100  # three minutes behind


def test_a_first_pull_starts_a_lookback_ago():
    request = pull_request("jd", ACCOUNTS["jd"], None, 1, now=NOW)
    assert (request["since"], request["until"]) == ("2026-11-10T00:00:05Z", "2026-11-10T23:59:05Z")
    params = json.loads(form_of(request)["360buy_param_json"])
    assert params["start_date"] == "2026-11-10 08:00:05" and params["end_date"] == "2026-11-11 07:59:05"
    assert (params["page"], params["page_size"]) == ("1", "100")


def test_douyin_pages_count_from_zero_and_sign_the_body():
    request = pull_request("douyin", ACCOUNTS["douyin"], "2026-11-10T16:00:00Z", 3, 20, now=NOW)
    body = json.loads(request["body"])
    assert body == {"order_asc": True, "order_by": "update_time", "page": 2, "size": 20,
                    "update_time_end": 1794355145, "update_time_start": 1794326400}
    query = dict(parse_qsl(urlsplit(request["url"]).query))
    text = ("dy-secret" + "app_key7012345678901methodorder.searchList" + "param_json" + request["body"].decode()
            + "timestamp1794355205v2dy-secret")
    assert query["sign"] == hmac.new(b"dy-secret", text.encode(), hashlib.sha256).hexdigest()


def test_a_quiet_last_page_moves_the_cursor_to_the_window_end():
    empty = {"order_sn_increment_get_response": {"has_next": False, "order_sn_list": []}}
    assert pull_page("pinduoduo", empty, until="2026-11-10T22:30:00Z") == ([], False, "2026-11-10T22:30:00Z")
    assert pull_page("pinduoduo", empty) == ([], False, None)
    page = sample("pinduoduo", "pull_page")
    page["order_sn_increment_get_response"]["has_next"] = False
    _orders, more, cursor = pull_page("pinduoduo", page, until="2026-11-11T00:00:00Z")
    assert (more, cursor) == (False, "2026-11-11T13:55:22Z")  # a later order wins over the window end
    _orders, more, cursor = pull_page("pinduoduo", sample("pinduoduo", "pull_page"), until="2026-11-12T00:00:00Z")
    assert (more, cursor) == (True, "2026-11-11T13:55:22Z")  # more pages: only what was seen


def test_a_channel_error_in_a_pull_answer_is_raised():
    with pytest.raises(ChannelError) as info:
        pull_page("pinduoduo", {"error_response": {"error_code": 70031, "error_msg": "调用过于频繁"}})
    assert info.value.path == "pull.error" and "调用过于频繁" in str(info.value)
    with pytest.raises(ChannelError):
        pull_page("douyin", {"code": 40004, "msg": "access_token不存在", "data": {}})


def test_a_bad_order_in_a_page_names_its_position():
    page = sample("jd", "pull_page")
    page["jingdong_pop_order_search_responce"]["searchorderinfo_result"]["orderInfoList"][1]["orderState"] = "NEW"
    with pytest.raises(AdapterError) as info:
        pull_page("jd", page)
    assert info.value.path == "order.status.map" and "order 2 of the page" in str(info.value)


def test_pull_and_stock_need_their_sections():
    with pytest.raises(AdapterError) as info:
        pull_request("shopify", ACCOUNTS["shopify"], None, 1, now=NOW)
    assert info.value.path == "pull"
    doc = copy.deepcopy(get_adapter("website"))
    del doc["stock_update"]
    with pytest.raises(AdapterError):
        stock_request(doc, ACCOUNTS["website"], "X", 1, now=NOW)


# --- over HTTP -------------------------------------------------------------------------------


def channel(answer: dict) -> LoopbackServer:
    """A channel's API on loopback: records each request and answers every one with ``answer``."""
    server = LoopbackServer()
    server.answer(ANY_PATH, (200, answer))
    return server


def send(request: dict) -> http.Response:
    return http.request(request["method"], request["url"], headers=request["headers"], body=request["body"],
                        allow=["127.0.0.1"])


def test_a_pull_round_trip_over_http():
    with channel(sample("pinduoduo", "pull_page")) as server:
        account = {**ACCOUNTS["pinduoduo"], "base_url": server.url}
        request = pull_request("pinduoduo", account, "2026-11-10T16:00:00Z", 1, 2, now=NOW)
        response = send(request)
        orders, more, _cursor = pull_page("pinduoduo", json.loads(response.body), page=1, page_size=2,
                                          until=request["until"])
    received = server.requests[0]
    assert received["path"] == "/api/router"
    form = dict(parse_qsl(received["body"].decode()))
    assert form.pop("sign") == top_sign("pdd-secret", form)
    assert [o["order_id"] for o in orders] == ["261111-083412345678901", "261111-215598765432109"] and more


def test_the_website_verifies_the_signed_stock_webhook():
    with channel({"ok": True}) as site:
        account = {**ACCOUNTS["website"], "base_url": site.url}
        request = stock_request("website", account, "TS-1001-BLK-M", 5, now=NOW)
        response = send(request)
    received = site.requests[0]
    assert response.status == 200 and received["path"] == "/webhooks/weft/stock"
    assert json.loads(received["body"]) == {"type": "stock.updated", "timestamp": "2026-11-11T00:00:05Z",
                                            "data": {"sku": "TS-1001-BLK-M", "available": 5}}
    delivery = modes.get("standard_webhooks").verify({}, [account["credentials"]["webhook_secret"]],
                                                     received["headers"], received["body"], NOW.timestamp())
    assert delivery == received["headers"]["webhook-id"]
    assert stock_error("website", json.loads(response.body)) is None
