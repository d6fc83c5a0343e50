"""The README's examples, run as written: forms and a flow from examples/, driven through the API."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from django.conf import settings

from apps.core.outbox import dispatch_pending
from apps.flows.engine import runner
from apps.flows.models import Notification, Run

EXAMPLES = Path(settings.BASE_DIR) / "examples"


def load(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text())


@pytest.fixture
def shop(api, monkeypatch):
    monkeypatch.setattr(runner, "_enqueue", lambda ids: [runner.execute(i) for i in ids])
    for name in ("orders.form.json", "stock.form.json"):
        assert api.post("/api/v1/forms/", load(name), format="json").status_code == 201
    created = api.post("/api/v1/flows/", load("reserve_stock.flow.json"), format="json")
    assert created.status_code == 201, created.json()
    for sku, available in (("TEE-RED-M", 5), ("MUG-01", 1)):
        api.post("/api/v1/forms/stock/records/", {"sku": sku, "available": available}, format="json")
    return api


def stock(api, sku: str) -> dict:
    return api.get(f"/api/v1/forms/stock/records/?sku={sku}").json()["results"][0]["data"]


def order(api, order_id: str, lines: list[tuple[str, int]]) -> dict:
    response = api.post("/api/v1/forms/orders/records/", {
        "platform": "jd", "platform_order_id": order_id, "total": "99.00",
        "lines": [{"sku": sku, "qty": qty, "price": "9.90"} for sku, qty in lines]}, format="json")
    assert response.status_code == 201, response.json()
    dispatch_pending()
    return api.get(f"/api/v1/forms/orders/records/{response.json()['id']}/").json()


@pytest.mark.django_db(transaction=True)
def test_an_order_reserves_its_lines(shop):
    placed = order(shop, "100234", [("TEE-RED-M", 2), ("MUG-01", 1)])

    assert placed["data"]["status"] == "reserved"
    assert stock(shop, "TEE-RED-M") == {"sku": "TEE-RED-M", "available": 3, "reserved": 2}
    assert stock(shop, "MUG-01") == {"sku": "MUG-01", "available": 0, "reserved": 1}
    run = Run.objects.get()
    assert run.status == "succeeded"
    detail = shop.get(f"/api/v1/runs/{run.pk}/").json()
    assert [s["id"] for s in detail["steps"]] == ["reserve", "outcome"]


@pytest.mark.django_db(transaction=True)
def test_a_short_order_is_flagged_and_the_owner_told(shop):
    order(shop, "1", [("MUG-01", 1)])
    short = order(shop, "2", [("TEE-RED-M", 1), ("MUG-01", 1)])

    assert short["data"]["status"] == "short"
    assert stock(shop, "MUG-01")["available"] == 0
    assert Notification.objects.filter(title__contains=short["data"]["order_no"]).exists()
    listed = shop.get("/api/v1/runs/?flow=reserve_stock&status=succeeded").json()["results"]
    assert len(listed) == 2


