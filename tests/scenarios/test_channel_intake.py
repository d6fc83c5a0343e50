"""The README's channel intake: every push channel's sample payloads, signed as its adapter
recommends, posted to an endpoint made from examples/channel_orders.endpoint.json, land in the
orders form of examples/orders.form.json in their latest state."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
from django.conf import settings
from rest_framework.test import APIClient

from apps.connectors.adapters import get_adapter
from apps.connectors.inbound.processing import process_pending
from apps.connectors.models import Delivery, Endpoint
from apps.connectors.verification import modes
from apps.forms.models import Record

EXAMPLES = Path(settings.BASE_DIR) / "examples"
SAMPLES = Path(settings.BASE_DIR) / "platform" / "adapters" / "samples"
PUSHED = [key for key in ("taobao", "douyin", "shopify", "woocommerce", "website")]


def load(path: Path) -> dict:
    return json.loads(path.read_text(encoding="utf-8"))


def samples(channel: str) -> list[Path]:
    return sorted(p for p in (SAMPLES / channel).glob("*.json")
                  if not p.name.endswith(".expected.json") and not p.name.startswith("pull_"))


@pytest.fixture
def orders(api):
    assert api.post("/api/v1/forms/", load(EXAMPLES / "orders.form.json"), format="json").status_code == 201
    return api


def endpoint(api, channel: str) -> dict:
    body = {**load(EXAMPLES / "channel_orders.endpoint.json"), "key": f"{channel}-orders", "adapter": channel}
    response = api.post("/api/v1/endpoints/", body, format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def post(channel: str, created: dict, body: bytes, delivery_id: str):
    verification = dict(get_adapter(channel)["intake"].get("verification") or {"mode": "standard_webhooks"})
    mode = verification.pop("mode")
    headers = modes.get(mode).sign(verification, created["secret"], body, delivery_id=delivery_id,
                                   timestamp=int(time.time()))
    token = Endpoint.objects.get(key=created["key"]).token
    return APIClient().post(f"/api/v1/hooks/in/{token}/", body, content_type="application/json",
                            **{f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()})


@pytest.mark.parametrize("channel", PUSHED)
def test_every_sample_of_a_channel_lands_in_the_orders_form(orders, channel):
    created = endpoint(orders, channel)
    expected = {}
    for index, path in enumerate(samples(channel)):
        response = post(channel, created, path.read_bytes(), f"{channel}-{index}")
        assert response.status_code == 202, (path.name, response.json())
        canonical = load(path.with_name(path.stem + ".expected.json"))
        latest = expected.get(canonical["order_id"])
        if latest is None or (canonical["updated_at"], canonical["status_rank"]) >= \
                (latest["updated_at"], latest["status_rank"]):
            expected[canonical["order_id"]] = canonical
    process_pending()
    failed = list(Delivery.objects.filter(status="failed").values_list("error", flat=True))
    assert not failed, failed
    stored = {r.data["platform_order_id"]: r.data for r in Record.objects.filter(form__key="orders")}
    assert set(stored) == set(expected)
    for order_id, canonical in expected.items():
        data = stored[order_id]
        assert data["platform"] == channel
        assert data["channel_status"] == canonical["status"]
        assert data["total"] == canonical["total"]
        assert [(line.get("sku", ""), line["qty"]) for line in data["lines"]] == \
            [(item["sku"], item["quantity"]) for item in canonical["items"]]


def test_samples_sent_newest_first_keep_the_newest_state(orders):
    created = endpoint(orders, "shopify")
    paths = samples("shopify")
    ordered = sorted(paths, key=lambda p: load(p.with_name(p.stem + ".expected.json"))["updated_at"], reverse=True)
    for index, path in enumerate(ordered):
        post("shopify", created, path.read_bytes(), f"late-{index}")
    process_pending()
    statuses = Delivery.objects.values_list("status", flat=True)
    assert "skipped" in statuses
    newest = load(ordered[0].with_name(ordered[0].stem + ".expected.json"))
    record = Record.objects.get(form__key="orders", data__platform_order_id=newest["order_id"])
    assert record.data["channel_status"] == newest["status"]
