"""Inbound endpoints end to end: signed deliveries stored raw, replays, refusals, processing, reprocessing."""

from __future__ import annotations

import json
import time
import urllib.error
import urllib.request
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Role
from apps.connectors.inbound import intake
from apps.connectors.inbound.processing import process_pending
from apps.connectors.models import Delivery, Endpoint
from apps.connectors.verification import modes
from apps.core.signing import new_secret
from apps.flows.models import Run
from apps.forms.models import Record

ORDER_FIELDS = [
    {"key": "order_id", "type": "text"},
    {"key": "status", "type": "text"},
    {"key": "status_rank", "type": "integer"},
    {"key": "changed_at", "type": "datetime"},
    {"key": "total", "type": "decimal", "decimal_places": 2},
]
MAPPING = {"order_id": "{{ body.id }}", "status": "{{ body.status }}", "status_rank": "{{ body.rank }}",
           "changed_at": "{{ body.updated }}", "total": "{{ body.amount }}"}


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, ORDER_FIELDS, key="orders", unique_key=["order_id"])


@pytest.fixture
def endpoint(api, orders):
    response = api.post("/api/v1/endpoints/", {"key": "shop", "name": "Own shop", "form": "orders",
                                               "mapping": MAPPING, "guard": ["changed_at", "status_rank"]},
                        format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert data["secret"].startswith("whsec_") and data["url"].endswith(f"/api/v1/hooks/in/{_token('shop')}/")
    return data


def _token(key: str) -> str:
    return Endpoint.objects.get(key=key).token


def order(order_id="W-1", status="paid", rank=20, updated="2026-11-11T00:00:05Z", amount="19.99") -> bytes:
    return json.dumps({"id": order_id, "status": status, "rank": rank, "updated": updated, "amount": amount},
                      ensure_ascii=False).encode()


def post(endpoint: dict, body: bytes, *, secret: str | None = None, delivery_id: str | None = None,
         timestamp: int | None = None, headers: dict | None = None):
    signed = modes.get("standard_webhooks").sign({}, secret or endpoint["secret"], body,
                                                 delivery_id=delivery_id or f"msg_{time.monotonic_ns()}",
                                                 timestamp=timestamp or int(time.time()))
    extra = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in {**signed, **(headers or {})}.items()}
    return APIClient().post(f"/api/v1/hooks/in/{_token(endpoint['key'])}/", body, content_type="application/json",
                            **extra)


def test_an_accepted_delivery_is_stored_raw_before_processing_then_upserted(endpoint, orders):
    response = post(endpoint, order(), delivery_id="msg_1", headers={"X-Shop": "own", "Authorization": "Bearer x"})
    assert response.status_code == 202
    delivery = Delivery.objects.get(pk=response.json()["delivery"])
    assert delivery.status == "received" and delivery.delivery_id == "msg_1"
    assert json.loads(delivery.body)["amount"] == "19.99"
    assert delivery.headers["x-shop"] == "own" and "authorization" not in delivery.headers
    assert delivery.headers["webhook-id"] == "msg_1"
    assert not Record.objects.filter(form=orders).exists()

    assert process_pending() == 1
    delivery.refresh_from_db()
    record = Record.objects.get(form=orders)
    assert delivery.status == "processed" and delivery.result == {"record": record.pk, "created": True}
    assert record.data["status"] == "paid" and record.data["total"] == "19.99"


def test_a_replayed_delivery_is_acknowledged_and_not_processed_again(endpoint, orders):
    first = post(endpoint, order(), delivery_id="msg_same")
    process_pending()
    again = post(endpoint, order(status="shipped", rank=30), delivery_id="msg_same")
    assert again.status_code == 200
    assert again.json() == {"delivery": first.json()["delivery"], "duplicate": True}
    assert Delivery.objects.filter(endpoint__key="shop").count() == 1
    assert process_pending() == 0
    assert Record.objects.get(form=orders).data["status"] == "paid"


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"secret": new_secret()}, 401, "bad_signature"),
    ({"timestamp": int(time.time()) - 600}, 401, "stale_timestamp"),
])
def test_a_bad_signature_or_stale_timestamp_is_refused_and_logged(endpoint, orders, change, status, code):
    response = post(endpoint, order(), **change)
    assert response.status_code == status
    assert response.json()["code"] == code
    rejected = Delivery.objects.get(endpoint__key="shop")
    assert rejected.status == "rejected" and rejected.error["code"] == code and rejected.delivery_id is None
    assert process_pending() == 0
    assert not Record.objects.filter(form=orders).exists()


def test_an_oversized_body_is_refused(api, endpoint, orders):
    api.put("/api/v1/endpoints/shop/", {"max_body_bytes": 64}, format="json")
    response = post(endpoint, order() + b" " * 100)
    assert response.status_code == 413 and response.json()["code"] == "body_too_large"
    assert "body" in response.json()["errors"]
    assert not Delivery.objects.filter(status="received").exists()


@pytest.mark.parametrize(("body", "reason"), [(b'{"id": "W-1",', "not valid JSON"), (b"\xff\xfe{}", "UTF-8")])
def test_malformed_json_is_refused_with_the_reason(endpoint, body, reason):
    response = post(endpoint, body)
    assert response.status_code == 400 and response.json()["code"] == "malformed_json"
    assert reason in response.json()["errors"]["body"][0]
    assert not Delivery.objects.filter(status="received").exists()


def test_unknown_and_disabled_endpoints_answer_404(api, endpoint):
    response = APIClient().post("/api/v1/hooks/in/nope/", b"{}", content_type="application/json")
    assert response.status_code == 404
    api.put("/api/v1/endpoints/shop/", {"enabled": False}, format="json")
    assert post(endpoint, order()).status_code == 404
    assert APIClient().get(f"/api/v1/hooks/in/{_token('shop')}/").status_code == 405


def test_an_older_status_arriving_late_never_moves_the_order_back(endpoint, orders):
    post(endpoint, order(status="shipped", rank=30, updated="2026-11-11T10:00:00Z"))
    post(endpoint, order(status="paid", rank=20, updated="2026-11-11T09:00:00Z"))
    post(endpoint, order(status="completed", rank=40, updated="2026-11-11T10:00:00Z"))
    process_pending()
    statuses = list(Delivery.objects.order_by("id").values_list("status", flat=True))
    assert statuses == ["processed", "skipped", "processed"]
    assert Record.objects.get(form=orders).data["status"] == "completed"
    post(endpoint, order(status="shipped", rank=30, updated="2026-11-11T10:00:00Z"))
    process_pending()
    assert Delivery.objects.order_by("-id").first().result["reason"] == "older_than_stored"
    assert Record.objects.get(form=orders).data["status"] == "completed"


def test_a_failing_mapping_is_reported_and_reprocessed_after_the_fix(api, endpoint, orders):
    api.put("/api/v1/endpoints/shop/", {"mapping": {**MAPPING, "total": "{{ body.amount_yuan * 1 }}"}},
            format="json")
    delivery_id = post(endpoint, order()).json()["delivery"]
    process_pending()
    listed = api.get("/api/v1/endpoints/shop/deliveries/?status=failed").json()["results"]
    assert [d["id"] for d in listed] == [delivery_id]
    assert "mapping.total" in listed[0]["error"]["message"]
    assert not Record.objects.filter(form=orders).exists()

    assert api.put("/api/v1/endpoints/shop/", {"mapping": MAPPING}, format="json").status_code == 200
    assert api.post(f"/api/v1/deliveries/{delivery_id}/reprocess/").status_code == 202
    process_pending()
    detail = api.get(f"/api/v1/deliveries/{delivery_id}/").json()
    assert detail["status"] == "processed" and detail["attempts"] == 2 and detail["error"] is None
    assert json.loads(detail["body"])["id"] == "W-1"
    assert Record.objects.get(form=orders).data["total"] == "19.99"


def test_validation_failures_are_reported_per_record(endpoint, orders):
    post(endpoint, order(amount="not money"))
    process_pending()
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and "total" in delivery.error["errors"]


def test_reprocessing_a_whole_status_of_an_endpoint(api, endpoint, orders):
    api.put("/api/v1/endpoints/shop/", {"mapping": {**MAPPING, "total": "{{ body.nope.x }}"}}, format="json")
    for n in range(3):
        post(endpoint, order(order_id=f"W-{n}"))
    process_pending()
    api.put("/api/v1/endpoints/shop/", {"mapping": MAPPING}, format="json")
    response = api.post("/api/v1/endpoints/shop/deliveries/", {"status": "failed"}, format="json")
    assert response.json() == {"reprocessing": 3}
    process_pending()
    assert Record.objects.filter(form=orders).count() == 3


def test_a_rotated_secret_is_accepted_until_the_overlap_ends(api, endpoint):
    old = endpoint["secret"]
    rotated = api.post("/api/v1/endpoints/shop/rotate-secret/", {"overlap_seconds": 3600}, format="json").json()
    assert rotated["secret"] != old and rotated["previous_secret_expires_at"]
    assert "secret" not in api.get("/api/v1/endpoints/shop/").json()
    assert post(endpoint, order(order_id="A"), secret=old).status_code == 202
    assert post(endpoint, order(order_id="B"), secret=rotated["secret"]).status_code == 202
    Endpoint.objects.filter(key="shop").update(previous_secret_expires_at=timezone.now() - timedelta(seconds=1))
    intake.forget()
    assert post(endpoint, order(order_id="C"), secret=old).status_code == 401
    assert post(endpoint, order(order_id="D"), secret=rotated["secret"]).status_code == 202


def test_an_endpoint_can_start_a_webhook_flow_once_per_delivery(api, make, workspace):
    flow = {"key": "intake", "name": "Intake", "trigger": {"type": "webhook"},
            "steps": [{"id": "note", "type": "set", "variables": {"n": "{{ body.id }}"}}]}
    assert api.post("/api/v1/flows/", flow, format="json").status_code == 201
    created = api.post("/api/v1/endpoints/", {"key": "erp", "flow": "intake",
                                              "verification": {"mode": "token", "header": "X-Erp-Token"},
                                              "secret": "erp-token-0123456789"}, format="json")
    assert created.status_code == 201, created.json()
    client, url = APIClient(), f"/api/v1/hooks/in/{_token('erp')}/"
    for _ in range(2):
        response = client.post(url, order(), content_type="application/json", HTTP_X_ERP_TOKEN="erp-token-0123456789")
    assert response.json()["duplicate"] is True
    process_pending()
    run = Run.objects.get(flow__key="intake")
    assert run.input["body"]["id"] == "W-1" and run.trigger["endpoint"] == "erp"
    assert "x-erp-token" not in Delivery.objects.get().headers


@pytest.mark.parametrize(("body", "field"), [
    ({"key": "x", "form": "orders", "verification": {"mode": "nope"}}, "verification.mode"),
    ({"key": "x", "form": "orders", "verification": {"mode": "hmac"}}, "verification"),
    ({"key": "x", "form": "orders", "verification": {"mode": "hmac", "header": "X-S", "algorithm": "crc"}},
     "verification.algorithm"),
    ({"key": "x", "form": "orders", "mapping": {"nope": "1"}}, "mapping.nope"),
    ({"key": "x", "form": "orders", "mapping": {"total": "{{ body.( }}"}}, "mapping.total"),
    ({"key": "x", "form": "orders", "guard": ["nope"]}, "guard[0]"),
    ({"key": "x"}, "form"),
    ({"key": "x", "form": "missing"}, "form"),
    ({"key": "Not A Slug", "form": "orders"}, "key"),
    ({"key": "x", "form": "orders", "adapter": "nope"}, "adapter"),
    ({"key": "x", "form": "orders", "secret": "short"}, "secret"),
    ({"key": "x", "form": "orders", "colour": "red"}, "colour"),
])
def test_bad_endpoints_are_refused_naming_the_field(api, orders, body, field):
    response = api.post("/api/v1/endpoints/", body, format="json")
    assert response.status_code == 400, response.json()
    assert field in response.json()["errors"], response.json()


def test_a_guard_needs_a_unique_key(api, make, workspace):
    make.form(workspace, ORDER_FIELDS, key="log")
    response = api.post("/api/v1/endpoints/", {"key": "x", "form": "log", "guard": ["changed_at"]}, format="json")
    assert "guard" in response.json()["errors"]


def test_endpoints_and_deliveries_are_isolated_and_only_builders_see_them(make, api, endpoint, workspace):
    delivery_id = post(endpoint, order()).json()["delivery"]
    stranger = make.client(make.owner(make.workspace()))
    assert stranger.get("/api/v1/endpoints/shop/").status_code == 404
    assert stranger.get(f"/api/v1/deliveries/{delivery_id}/").status_code == 404
    assert stranger.post(f"/api/v1/deliveries/{delivery_id}/reprocess/").status_code == 404
    assert stranger.get("/api/v1/endpoints/").json()["results"] == []
    member = make.client(make.member(workspace, role=Role.MEMBER))
    assert member.post("/api/v1/endpoints/", {"key": "y", "form": "orders"}, format="json").status_code == 403
    assert member.get("/api/v1/endpoints/shop/").status_code == 403  # its URL is a credential
    assert member.get(f"/api/v1/deliveries/{delivery_id}/").status_code == 403  # raw buyer data
    builder = make.client(make.member(workspace, role=Role.BUILDER))
    assert builder.get("/api/v1/endpoints/shop/").status_code == 200


def test_the_same_key_twice_is_a_conflict(api, endpoint):
    response = api.post("/api/v1/endpoints/", {"key": "shop", "form": "orders"}, format="json")
    assert response.status_code == 409 and "key" in response.json()["errors"]


@pytest.mark.django_db(transaction=True)
def test_a_real_http_delivery_to_the_live_server(live_server, make):
    workspace = make.workspace()
    form = make.form(workspace, ORDER_FIELDS, key="orders", unique_key=["order_id"])
    endpoint = make.endpoint(workspace, form, key="live", mapping=MAPPING)
    body = order()
    headers = modes.get("standard_webhooks").sign({}, endpoint.secret, body, delivery_id="msg_live",
                                                  timestamp=int(time.time()))
    url = f"{live_server.url}/api/v1/hooks/in/{endpoint.token}/"
    request = urllib.request.Request(url, data=body, headers={**headers, "Content-Type": "application/json"})
    with urllib.request.urlopen(request, timeout=10) as answer:
        assert answer.status == 202
    with pytest.raises(urllib.error.HTTPError) as refused:
        urllib.request.urlopen(urllib.request.Request(url, data=body, headers={
            **headers, "webhook-signature": "v1,AAAA", "Content-Type": "application/json"}), timeout=10)
    assert refused.value.code == 401 and json.loads(refused.value.read())["code"] == "bad_signature"
    process_pending()
    assert Record.objects.get(form=form).data["order_id"] == "W-1"
