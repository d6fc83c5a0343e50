"""The counter endpoints: adjust, batch adjust, ledger."""

from __future__ import annotations

import pytest

FIELDS = [{"key": "sku", "type": "text"}, {"key": "available", "type": "counter", "min": 0}]


@pytest.fixture
def item(make, workspace):
    form = make.form(workspace, FIELDS, key="stock", unique_key=["sku"])
    return make.record(form, {"sku": "A1", "available": 3})


def adjust(api, record_id, body, **headers):
    return api.post(f"/api/v1/forms/stock/records/{record_id}/adjust/", body, format="json", **headers)


def test_adjust_and_refuse(api, item):
    ok = adjust(api, item.pk, {"field": "available", "delta": -2, "key": "o1:A1"})
    assert ok.status_code == 200
    assert ok.json() == {"record": item.pk, "field": "available", "applied": True, "replayed": False,
                         "value": 1, "delta": -2, "entry": ok.json()["entry"]}
    refused = adjust(api, item.pk, {"field": "available", "delta": -2, "key": "o2:A1"})
    assert refused.status_code == 409
    assert refused.json()["code"] == "guard_failed" and refused.json()["value"] == 1
    assert api.get(f"/api/v1/forms/stock/records/{item.pk}/").json()["data"]["available"] == 1


def test_same_key_is_replayed(api, item):
    adjust(api, item.pk, {"field": "available", "delta": -1}, HTTP_IDEMPOTENCY_KEY="o5:A1")
    again = adjust(api, item.pk, {"field": "available", "delta": -1}, HTTP_IDEMPOTENCY_KEY="o5:A1")
    assert again.json()["replayed"] is True and again.json()["value"] == 2


def test_bad_adjustments_are_named(api, item):
    response = adjust(api, item.pk, {"field": "sku", "delta": "lots", "colour": 1})
    assert response.status_code == 400
    assert set(response.json()["errors"]) == {"colour"}
    response = adjust(api, item.pk, {"field": "sku", "delta": 1})
    assert response.json()["errors"] == {"field": ["'sku' is not a counter field"]}
    response = adjust(api, item.pk, {"field": "available", "delta": 1.5})
    assert "delta" in response.json()["errors"]


def test_counter_cannot_be_written_as_a_field(api, item):
    response = api.patch(f"/api/v1/forms/stock/records/{item.pk}/", {"available": 100}, format="json")
    assert response.status_code == 400 and "available" in response.json()["errors"]


def test_batch_is_all_or_nothing(api, make, workspace, item):
    other = make.record(item.form, {"sku": "B1", "available": 1})
    response = api.post("/api/v1/counters/adjust/", {"adjustments": [
        {"form": "stock", "record": item.pk, "field": "available", "delta": -1, "key": "o9:A1"},
        {"form": "stock", "record": other.pk, "field": "available", "delta": -2, "key": "o9:B1"},
    ]}, format="json")
    assert response.status_code == 409
    assert "adjustments[1].available" in response.json()["errors"] or "[1].available" in response.json()["errors"]
    assert api.get(f"/api/v1/forms/stock/records/{item.pk}/").json()["data"]["available"] == 3


def test_ledger_lists_adjustments(api, item):
    adjust(api, item.pk, {"field": "available", "delta": -1, "key": "a", "reason": "order 1"})
    adjust(api, item.pk, {"field": "available", "delta": 5, "key": "b", "reason": "restock"})
    ledger = api.get(f"/api/v1/forms/stock/records/{item.pk}/counters/available/ledger/").json()["results"]
    assert [(e["delta"], e["value_after"], e["reason"]) for e in ledger] == [(5, 7, "restock"), (-1, 2, "order 1")]
