"""Webhook triggers: token, shared secret, body limits, JSON errors, dedupe, and the public endpoint."""

from __future__ import annotations

import json

import pytest
from rest_framework.test import APIClient

from apps.core.errors import ValidationFailed
from apps.flows import services
from apps.flows.models import Run
from apps.flows.triggers.webhook import receive

BODY = json.dumps({"order_id": "A-1", "amount": 19.99, "名字": "张三"}).encode()


@pytest.fixture
def hook(create_flow):
    return create_flow({"type": "webhook", "secret": "s3cret-value", "dedupe_header": "X-Request-Id"},
                       key="intake")


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


def test_a_good_delivery_starts_a_run_with_the_body_and_safe_headers(hook):
    status, body = receive(hook.webhook_token, BODY, {"X-Weft-Token": "s3cret-value", "Content-Type":
                                                      "application/json", "Authorization": "Bearer x",
                                                      "X-Shop": "jd"})
    assert status == 202
    run = Run.objects.get(pk=body["run"])
    assert run.flow_id == hook.pk and run.input["body"]["名字"] == "张三"
    assert run.input["trigger"] == {"type": "webhook", "headers": {"content-type": "application/json",
                                                                   "x-shop": "jd"}}


@pytest.mark.parametrize(("token", "headers", "status", "code"), [
    ("not-a-token", {"X-Weft-Token": "s3cret-value"}, 404, "flow_not_found"),
    ("", {"X-Weft-Token": "s3cret-value"}, 404, "flow_not_found"),
    (None, {}, 401, "bad_webhook_token"),
    (None, {"X-Weft-Token": "s3cret-valuE"}, 401, "bad_webhook_token"),
])
def test_unknown_tokens_and_wrong_secrets_are_refused(hook, token, headers, status, code):
    answer = receive(hook.webhook_token if token is None else token, BODY, headers)
    assert answer[0] == status and answer[1]["code"] == code
    assert not Run.objects.exists()


def test_a_disabled_flow_answers_like_an_unknown_one_and_a_paused_one_queues(hook, owner):
    services.set_enabled(hook, False, member=owner)
    assert receive(hook.webhook_token, BODY, {"X-Weft-Token": "s3cret-value"})[0] == 404
    services.set_enabled(hook, True, member=owner)
    type(hook).objects.filter(pk=hook.pk).update(paused_at="2024-01-01T00:00:00Z")
    assert receive(hook.webhook_token, BODY, {"X-Weft-Token": "s3cret-value"})[0] == 202


@pytest.mark.parametrize(("body", "status", "code"), [
    (b"{not json", 400, "malformed_json"),
    (b"\xff\xfe", 400, "malformed_json"),
    (b"x" * (1024 * 1024 + 1), 413, "body_too_large"),
])
def test_malformed_and_oversized_bodies_are_refused_with_a_reason(hook, body, status, code):
    answer = receive(hook.webhook_token, body, {"X-Weft-Token": "s3cret-value"})
    assert answer[0] == status and answer[1]["code"] == code
    assert answer[1]["errors"]["body"][0]
    assert not Run.objects.exists()


def test_an_empty_body_is_an_empty_object(hook):
    status, body = receive(hook.webhook_token, b"", {"x-weft-token": "s3cret-value"})
    assert status == 202 and Run.objects.get(pk=body["run"]).input["body"] == {}


def test_the_same_dedupe_header_twice_starts_one_run(hook):
    headers = {"X-Weft-Token": "s3cret-value", "x-request-id": "delivery-1"}
    first = receive(hook.webhook_token, BODY, headers)
    second = receive(hook.webhook_token, BODY, headers)
    third = receive(hook.webhook_token, BODY, {**headers, "x-request-id": "delivery-2"})
    assert first[0] == 202 and second == (200, {"run": first[1]["run"], "duplicate": True})
    assert third[0] == 202
    assert Run.objects.count() == 2


def test_the_public_endpoint_needs_no_login(hook):
    client = APIClient()
    url = f"/api/v1/hooks/flows/{hook.webhook_token}/"
    ok = client.post(url, BODY, content_type="application/json", HTTP_X_WEFT_TOKEN="s3cret-value")
    assert ok.status_code == 202 and Run.objects.filter(pk=ok.json()["run"]).exists()
    bad = client.post(url, b"[", content_type="application/json", HTTP_X_WEFT_TOKEN="s3cret-value")
    assert bad.status_code == 400 and bad.json()["code"] == "malformed_json"


def test_a_short_secret_or_a_bad_header_name_is_refused_at_save(create_flow):
    with pytest.raises(ValidationFailed) as refused:
        create_flow({"type": "webhook", "secret": "short", "dedupe_header": "X Request"})
    assert {"trigger.secret", "trigger.dedupe_header"} <= set(refused.value.errors)
