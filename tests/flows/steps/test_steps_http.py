"""http.request and webhook.send against a real HTTP server on loopback, and the private-address guard."""

from __future__ import annotations

import base64
import hashlib
import hmac
import json

import pytest

from apps.accounts.services import set_http_allow_list
from apps.core import http as _http
from apps.core.signing import sign
from apps.flows.models import RunStatus, StepRun, Wait
from tests.support.loopback import Answer, LoopbackServer, redirect

Server = LoopbackServer  # the name other suites import


@pytest.fixture
def server(loopback) -> LoopbackServer:
    return loopback


@pytest.fixture
def loopback_allowed(settings):
    settings.WEFT_HTTP_ALLOW_PRIVATE = True


def test_request_sends_json_and_reads_json(flows, server, loopback_allowed):
    server.answer("/orders", Answer(201, {"id": 7, "price": 12.5}, {"X-Secret-Internal": "hidden"}))
    run = flows.run([{"id": "call", "type": "http.request", "method": "POST", "url": server.url + "/orders",
                      "query": {"shop": "{{ input.shop }}"}, "headers": {"X-Token": "abc"},
                      "body": {"qty": "{{ input.qty }}", "total": "{{ decimal('1.10') * 3 }}"}}],
                    {"shop": "jd 1", "qty": 2})

    assert run.status == RunStatus.SUCCEEDED, run.error
    out = StepRun.objects.get(run=run, path="call").output
    assert out["status"] == 201 and out["body"] == {"id": 7, "price": 12.5}
    assert out["headers"]["content-type"] == "application/json" and "x-secret-internal" not in out["headers"]
    sent = server.requests[0]
    assert sent["path"] == "/orders" and sent["query"] == "shop=jd+1"
    assert json.loads(sent["body"]) == {"qty": 2, "total": "3.30"}
    assert sent["headers"]["X-Token"] == "abc"
    assert sent["headers"]["Idempotency-Key"] == f"run:{run.pk}:call"


def test_get_has_no_idempotency_key_and_text_bodies_stay_text(flows, server, loopback_allowed):
    server.answer("/raw", (200, b"plain answer"))
    run = flows.run([{"id": "call", "type": "http.request", "url": server.url + "/raw"}])

    out = StepRun.objects.get(run=run, path="call").output
    assert out["body"] == "plain answer"
    assert "Idempotency-Key" not in server.requests[0]["headers"]


def test_large_answers_are_cut(flows, server, loopback_allowed):
    server.answer("/big", (200, b"x" * (_http.MAX_BODY_BYTES + 10)))
    run = flows.run([{"id": "call", "type": "http.request", "url": server.url + "/big"}])

    out = StepRun.objects.get(run=run, path="call").output
    assert out["truncated"] is True and len(out["body"]) == _http.MAX_BODY_BYTES


def test_503_is_retried_with_backoff_then_succeeds(flows, server, loopback_allowed):
    server.answer("/flaky", (503, {"e": 1}), (503, {"e": 2}), (200, {"ok": True}))
    run = flows.run([{"id": "call", "type": "http.request", "method": "PUT", "url": server.url + "/flaky",
                      "retry": {"attempts": 3, "delay_seconds": 30, "backoff": 2}}])

    assert run.status == RunStatus.WAITING
    first = Wait.objects.get(run=run, path="call~retry1")
    assert first.kind == "retry" and 25 < (first.wake_at - first.created_at).total_seconds() <= 31
    flows.due(run)
    run = flows.execute(run)
    assert run.status == RunStatus.WAITING
    second = Wait.objects.get(run=run, path="call~retry2")
    assert 55 < (second.wake_at - second.created_at).total_seconds() <= 61

    flows.due(run)
    run = flows.execute(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    row = StepRun.objects.get(run=run, path="call")
    assert row.output["body"] == {"ok": True}
    assert len(server.requests) == 3
    assert len({r["headers"]["Idempotency-Key"] for r in server.requests}) == 1


def test_4xx_is_not_retried_unless_listed(flows, server, loopback_allowed):
    server.answer("/missing", (404, {"error": "no"}))
    server.answer("/busy", (429, {"error": "slow down"}), (200, {"ok": True}))
    run = flows.run([{"id": "call", "type": "http.request", "url": server.url + "/missing",
                      "retry": {"attempts": 3, "delay_seconds": 0}}])
    assert run.status == RunStatus.FAILED
    assert run.error["code"] == "http_status" and run.error["status"] == 404
    assert len(server.requests) == 1

    run = flows.run([{"id": "call", "type": "http.request", "url": server.url + "/busy", "retry_on": [429],
                      "retry": {"attempts": 3, "delay_seconds": 0}}])
    assert run.status == RunStatus.SUCCEEDED, run.error


def test_expect_lists_the_ok_statuses(flows, server, loopback_allowed):
    server.answer("/gone", (410, {"gone": True}))
    run = flows.run([{"id": "call", "type": "http.request", "method": "DELETE", "url": server.url + "/gone",
                      "expect": [200, 404, 410]}])

    assert run.status == RunStatus.SUCCEEDED, run.error


def test_connection_errors_are_retryable(flows, server, loopback_allowed):
    url = server.url
    server.close()
    run = flows.run([{"id": "call", "type": "http.request", "url": url, "timeout": 2,
                      "retry": {"attempts": 2, "delay_seconds": 60}}])

    assert run.status == RunStatus.WAITING
    assert StepRun.objects.get(run=run, path="call").error["code"] == "http_unreachable"


@pytest.mark.parametrize("url", ["http://127.0.0.1/", "http://10.0.0.1/x", "http://169.254.169.254/latest/meta-data",
                                 "http://localhost:8000/", "http://[::1]/", "http://[::ffff:127.0.0.1]/"])
def test_guard_refuses_private_addresses(flows, url, settings):
    settings.WEFT_HTTP_ALLOW_PRIVATE = False
    settings.WEFT_HTTP_ALLOWED_HOSTS = []
    run = flows.run([{"id": "call", "type": "http.request", "url": url, "on_error": "continue",
                      "retry": {"attempts": 3, "delay_seconds": 0}}])

    assert run.status == RunStatus.SUCCEEDED
    error = StepRun.objects.get(run=run, path="call").output["error"]
    assert error["code"] == "http_address_refused", error
    assert error["attempt"] == 1


def test_allowed_hosts_lets_one_private_host_through(flows, server, settings):
    settings.WEFT_HTTP_ALLOW_PRIVATE = False
    settings.WEFT_HTTP_ALLOWED_HOSTS = ["127.0.0.0/8"]
    run = flows.run([{"id": "call", "type": "http.request", "url": server.url + "/x"}])

    assert run.status == RunStatus.SUCCEEDED, run.error


@pytest.fixture
def guarded(settings):
    settings.WEFT_HTTP_ALLOW_PRIVATE = False
    settings.WEFT_HTTP_ALLOWED_HOSTS = []


def test_a_step_reaches_a_private_server_only_when_the_workspace_lists_it(flows, server, guarded, make):
    steps = [{"id": "call", "type": "http.request", "url": server.url + "/x"}]
    run = flows.run(steps)
    assert run.status == RunStatus.FAILED
    assert run.error["code"] == "http_address_refused" and "allow-list" in run.error["message"]
    assert server.requests == []

    set_http_allow_list(make.workspace(), [server.url.removeprefix("http://")])
    assert flows.run(steps).status == RunStatus.FAILED

    set_http_allow_list(flows.workspace, [server.url.removeprefix("http://")])
    run = flows.run(steps)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert StepRun.objects.get(run=run, path="call").output["body"] == {"ok": True}
    assert len(server.requests) == 1


def test_a_step_follows_redirects_within_the_list_and_keeps_its_headers_home(flows, server, guarded):
    port = server.url.rsplit(":", 1)[1]
    set_http_allow_list(flows.workspace, ["127.0.0.1", "localhost"])
    server.answer("/old", redirect("/new", 301))
    server.answer("/new", redirect(f"http://localhost:{port}/elsewhere", 302))
    run = flows.run([{"id": "call", "type": "http.request", "url": server.url + "/old",
                      "headers": {"X-Token": "abc"}}])

    assert run.status == RunStatus.SUCCEEDED, run.error
    out = StepRun.objects.get(run=run, path="call").output
    assert out["redirects"] == 2 and out["url"] == f"http://localhost:{port}/elsewhere"
    assert [r["headers"].get("X-Token") for r in server.requests] == ["abc", "abc", None]

    server.answer("/hop", redirect("http://127.0.0.2:1/", 302))
    run = flows.run([{"id": "call", "type": "http.request", "url": server.url + "/hop"}])
    assert run.error["code"] == "http_address_refused" and "127.0.0.2" in run.error["message"]


def test_webhooks_use_the_list_and_do_not_follow_redirects(flows, server, guarded):
    set_http_allow_list(flows.workspace, ["127.0.0.0/8"])
    server.answer("/moved", redirect("/hooks", 308))
    run = flows.run([{"id": "hook", "type": "webhook.send", "url": server.url + "/hooks", "event": "x",
                      "payload": {}, "secret": "s"}])
    assert run.status == RunStatus.SUCCEEDED, run.error

    run = flows.run([{"id": "hook", "type": "webhook.send", "url": server.url + "/moved", "event": "x",
                      "payload": {}, "secret": "s"}])
    assert run.error["code"] == "http_status" and run.error["status"] == 308
    assert [r["path"] for r in server.requests] == ["/hooks", "/moved"]


def test_public_addresses_pass_the_guard(settings, monkeypatch):
    settings.WEFT_HTTP_ALLOW_PRIVATE = False
    monkeypatch.setattr(_http.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.216.34", 80))])
    assert _http.resolve("example.com", 80) == "93.184.216.34"
    monkeypatch.setattr(_http.socket, "getaddrinfo", lambda *a, **k: [(2, 1, 6, "", ("93.184.216.34", 80)),
                                                                      (2, 1, 6, "", ("192.168.1.5", 80))])
    with pytest.raises(_http.AddressRefused):
        _http.resolve("rebind.example", 80)


def test_bad_urls_are_refused(flows):
    run = flows.run([{"id": "call", "type": "http.request", "url": "file:///etc/passwd"}])
    assert run.error["code"] == "http_bad_url"


def verify(secret: str, headers: dict, body: bytes) -> bool:
    """What a Standard Webhooks receiver does."""
    key = base64.b64decode(secret.removeprefix("whsec_")) if secret.startswith("whsec_") else secret.encode()
    signed = f"{headers['webhook-id']}.{headers['webhook-timestamp']}.".encode() + body
    expected = base64.b64encode(hmac.new(key, signed, hashlib.sha256).digest()).decode()
    return any(part == f"v1,{expected}" for part in headers["webhook-signature"].split())


@pytest.mark.parametrize("secret", ["whsec_" + base64.b64encode(b"0123456789abcdef0123456789").decode(),
                                    "plain-secret"])
def test_webhook_is_signed_the_standard_way(flows, server, loopback_allowed, secret):
    run = flows.run([{"id": "hook", "type": "webhook.send", "url": server.url + "/hooks", "event": "order.paid",
                      "payload": {"order": "{{ input.no }}", "total": "{{ decimal('9.90') }}"},
                      "secret": "{{ input.secret }}"}], {"no": "O-1", "secret": secret})

    assert run.status == RunStatus.SUCCEEDED, run.error
    sent = server.requests[0]
    headers = {k.lower(): v for k, v in sent["headers"].items()}
    assert headers["webhook-id"] == f"run:{run.pk}:hook"
    assert verify(secret, headers, sent["body"])
    body = json.loads(sent["body"])
    assert body["type"] == "order.paid" and body["data"] == {"order": "O-1", "total": "9.90"}
    out = StepRun.objects.get(run=run, path="hook").output
    assert out["status"] == 200 and out["id"] == headers["webhook-id"]


def test_webhook_retries_on_5xx_with_the_same_id(flows, server, loopback_allowed):
    server.answer("/hooks", (500, {"e": 1}), (200, {"ok": True}))
    run = flows.run([{"id": "hook", "type": "webhook.send", "url": server.url + "/hooks", "event": "x",
                      "payload": {}, "secret": "s", "retry": {"attempts": 2, "delay_seconds": 10}}])
    assert run.status == RunStatus.WAITING

    flows.due(run)
    run = flows.execute(run)
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert len({r["headers"]["webhook-id"] for r in server.requests}) == 1
    assert all(verify("s", {k.lower(): v for k, v in r["headers"].items()}, r["body"]) for r in server.requests)


def test_sign_matches_the_specification_example():
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    body = b'{"test": 2432232314}'
    assert sign(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", 1614265330, body) == \
        "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
