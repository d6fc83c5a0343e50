"""Webhook triggers: a flow's URL is an inbound endpoint bound to the flow, in step with its trigger.

A delivery to ``/api/v1/hooks/flows/<token>/`` is verified (the URL, and the
trigger's secret if it has one), stored and answered 202 before any run
starts; processing the stored delivery starts the run, once per delivery,
and a failed one can be reprocessed like any endpoint's.
"""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from apps.connectors.inbound import intake
from apps.connectors.inbound.processing import process_pending
from apps.connectors.models import Delivery, DeliveryStatus, Endpoint
from apps.core.errors import ValidationFailed
from apps.flows import services
from apps.flows.models import Flow, Run

BODY = json.dumps({"order_id": "A-1", "amount": 19.99, "名字": "张三"}).encode()
SECRET = "s3cret-value"


@pytest.fixture(autouse=True)
def fresh_endpoint_cache():
    """Endpoints are cached per process for a moment; each test starts from the database."""
    intake.forget()
    yield
    intake.forget()


@pytest.fixture
def hook(create_flow):
    return create_flow({"type": "webhook", "secret": SECRET, "dedupe_header": "X-Request-Id"}, key="intake")


def send(flow: Flow, body: bytes = BODY, *, secret: str | None = SECRET, token: str | None = None,
         slash: str = "/", **headers: str):
    """POST ``body`` to the flow's webhook URL as a sender would, without logging in."""
    if secret is not None:
        headers["X-Weft-Token"] = secret
    meta = {f"HTTP_{name.upper().replace('-', '_')}": value for name, value in headers.items()}
    url = f"/api/v1/hooks/flows/{flow.webhook_token if token is None else token}{slash}"
    return APIClient().post(url, body, content_type="application/json", **meta)


def changed(flow: Flow, trigger: dict, owner) -> Flow:
    return services.update_flow(flow, {**flow.definition, "trigger": trigger}, member=owner)


def test_installing_gives_an_unguessable_token_that_survives_edits(hook, owner):
    token = hook.webhook_token
    assert len(token) >= 40
    hook.refresh_from_db()
    assert hook.webhook_token == token
    definition = {**hook.definition, "trigger": {"type": "webhook"}}
    services.update_flow(hook, definition, member=owner)
    services.set_enabled(hook, False, member=owner)
    services.set_enabled(hook, True, member=owner)
    hook.refresh_from_db()
    assert hook.webhook_token == token


def test_the_flow_gets_an_endpoint_that_holds_its_token(hook):
    endpoint = Endpoint.objects.get(flow=hook)
    assert endpoint.token == hook.webhook_token and endpoint.key == "flow-intake" and endpoint.enabled
    assert endpoint.verification == {"mode": "url_token", "header": "X-Weft-Token", "id_header": "X-Request-Id"}


def test_the_endpoint_takes_a_free_key_when_its_own_is_taken(make, workspace, create_flow):
    make.endpoint(workspace, key="flow-orders")
    flow = create_flow({"type": "webhook"}, key="orders")
    assert Endpoint.objects.get(flow=flow).key == "flow-orders-2"
    assert send(flow, secret=None).status_code == 202


def test_a_good_delivery_is_stored_then_starts_a_run_with_the_body_and_safe_headers(hook):
    response = send(hook, Authorization="Bearer x", X_Shop="jd")
    assert response.status_code == 202
    delivery = Delivery.objects.get(pk=response.json()["delivery"])
    assert delivery.status == DeliveryStatus.RECEIVED and not Run.objects.exists()
    assert "x-weft-token" not in delivery.headers and "authorization" not in delivery.headers

    assert process_pending() == 1
    run = Run.objects.get(flow=hook)
    assert run.input["body"]["名字"] == "张三"
    assert run.input["trigger"]["headers"] == {"content-type": "application/json", "x-shop": "jd"}
    delivery.refresh_from_db()
    assert delivery.status == DeliveryStatus.PROCESSED and delivery.result == {"run": run.pk}


@pytest.mark.parametrize(("token", "secret", "status", "code"), [
    ("not-a-token", SECRET, 404, "flow_not_found"),
    (None, None, 401, "bad_webhook_token"),
    (None, "s3cret-valuE", 401, "bad_webhook_token"),
])
def test_unknown_tokens_and_wrong_secrets_are_refused(hook, token, secret, status, code):
    response = send(hook, token=token, secret=secret)
    assert response.status_code == status and response.json()["code"] == code
    assert not Delivery.objects.exclude(status=DeliveryStatus.REJECTED).exists()
    process_pending()
    assert not Run.objects.exists()


def test_a_form_endpoint_is_not_a_flow_webhook_url(make, workspace, hook):
    other = make.endpoint(workspace, verification={"mode": "token"})
    response = send(hook, token=other.token, secret=other.secret)
    assert response.status_code == 404 and response.json()["code"] == "flow_not_found"


def test_a_disabled_flow_answers_like_an_unknown_one_and_a_paused_one_queues(hook, owner):
    services.set_enabled(hook, False, member=owner)
    assert send(hook).status_code == 404
    services.set_enabled(hook, True, member=owner)
    Flow.objects.filter(pk=hook.pk).update(paused_at="2024-01-01T00:00:00Z")
    assert send(hook).status_code == 202


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{not json", 400, "malformed_json"),
    (b"\xff\xfe", 400, "malformed_json"),
    (b"x" * (1024 * 1024 + 1), 413, "body_too_large"),
])
def test_malformed_and_oversized_bodies_are_refused_with_a_reason(hook, body, status, code):
    response = send(hook, body)
    assert response.status_code == status and response.json()["code"] == code
    assert response.json()["errors"]["body"][0]
    assert not Delivery.objects.exclude(status=DeliveryStatus.REJECTED).exists()


def test_an_empty_body_is_an_empty_object(hook):
    assert send(hook, b"").status_code == 202
    process_pending()
    assert Run.objects.get(flow=hook).input["body"] == {}


def test_the_same_dedupe_header_twice_is_one_delivery_and_one_run(hook):
    first = send(hook, X_Request_Id="delivery-1")
    second = send(hook, X_Request_Id="delivery-1")
    third = send(hook, X_Request_Id="delivery-2")
    assert first.status_code == 202 and second.status_code == 200
    assert second.json() == {"delivery": first.json()["delivery"], "duplicate": True}
    assert third.status_code == 202
    process_pending()
    assert Run.objects.count() == 2


def test_without_a_dedupe_header_each_request_is_a_delivery_even_with_the_same_body(create_flow):
    flow = create_flow({"type": "webhook"})
    assert [send(flow, secret=None).status_code for _ in range(2)] == [202, 202]
    process_pending()
    assert Run.objects.filter(flow=flow).count() == 2


def test_a_dedupe_header_holding_nul_is_refused_and_nothing_is_stored(hook):
    response = send(hook, X_Request_Id="a\x00b")
    assert response.status_code == 400 and response.json()["code"] == "malformed_delivery_id"
    assert not Delivery.objects.exclude(status=DeliveryStatus.REJECTED).exists()
    assert not Run.objects.exists()


def test_a_long_dedupe_header_is_kept_by_its_hash(hook):
    long = "d" * 300
    assert send(hook, X_Request_Id=long).status_code == 202
    assert send(hook, X_Request_Id=long).status_code == 200
    assert send(hook, X_Request_Id=long[:-1] + "e").status_code == 202
    assert all(d.delivery_id.startswith("sha256:") for d in Delivery.objects.all())


def test_the_public_url_needs_no_login_and_takes_it_without_the_slash(hook):
    assert send(hook, slash="").status_code == 202
    bad = send(hook, b"[")
    assert bad.status_code == 400 and bad.json()["code"] == "malformed_json"


def test_the_endpoint_follows_the_trigger_as_the_flow_changes(hook, owner):
    changed(hook, {"type": "webhook", "secret": "an0ther-secret"}, owner)
    assert send(hook).status_code == 401
    assert send(hook, secret="an0ther-secret").status_code == 202

    changed(hook, {"type": "webhook"}, owner)
    assert send(hook, secret=None).status_code == 202

    changed(hook, {"type": "manual"}, owner)
    assert send(hook, secret=None).status_code == 404
    assert not Endpoint.objects.get(flow=hook).enabled

    changed(hook, {"type": "webhook"}, owner)
    assert send(hook, secret=None).status_code == 202


def test_deleting_the_flow_deletes_its_endpoint_and_deliveries(hook, owner):
    send(hook)
    services.delete_flow(hook, member=owner)
    assert not Endpoint.objects.exists() and not Delivery.objects.exists()
    assert send(hook).status_code == 404


def test_the_endpoint_is_changed_through_its_flow_not_the_endpoints_api(api, hook):
    for response in (api.put("/api/v1/endpoints/flow-intake/", {"name": "x"}, format="json"),
                     api.post("/api/v1/endpoints/flow-intake/rotate-secret/", {}, format="json"),
                     api.delete("/api/v1/endpoints/flow-intake/")):
        assert response.status_code == 409 and response.json()["code"] == "endpoint_of_flow"
    assert Endpoint.objects.filter(flow=hook, enabled=True).exists()


def test_a_delivery_that_failed_is_reprocessed_into_a_run(api, hook):
    response = send(hook)
    Flow.objects.filter(pk=hook.pk).update(enabled=False)  # disabled after it was accepted
    process_pending()
    delivery = Delivery.objects.get(pk=response.json()["delivery"])
    assert delivery.status == DeliveryStatus.FAILED and delivery.error["code"] == "flow_disabled"

    Flow.objects.filter(pk=hook.pk).update(enabled=True)
    assert api.post(f"/api/v1/deliveries/{delivery.pk}/reprocess/").status_code < 300
    process_pending()
    assert Run.objects.filter(flow=hook).count() == 1


def test_a_short_secret_or_a_bad_header_name_is_refused_at_save(create_flow):
    with pytest.raises(ValidationFailed) as refused:
        create_flow({"type": "webhook", "secret": "short", "dedupe_header": "X Request"})
    assert {"trigger.secret", "trigger.dedupe_header"} <= set(refused.value.errors)
