"""No API answer shows a secret: marker values planted everywhere a credential is kept, then every
GET endpoint of the API walked as a member and as a builder."""

from __future__ import annotations

import re

import pytest
from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.services import set_http_allow_list
from apps.flows.engine import runner
from apps.flows.models import Run

VAULT = "MARKER-SECRET-1"
SESSION = "MARKER-SECRET-2-TAOBAO-SESSION"
TRIGGER = "MARKER-SECRET-3-TRIGGER"
ENDPOINT = "MARKER-SECRET-4-ENDPOINT"
HEADER = "MARKER-SECRET-5-HEADER"
NEVER_SHOWN = (VAULT, SESSION, TRIGGER, ENDPOINT)


def get_routes() -> list[str]:
    """Every API route with a GET handler, from the URL resolver."""
    def walk(patterns, prefix):
        for pattern in patterns:
            if isinstance(pattern, URLResolver):
                yield from walk(pattern.url_patterns, prefix + str(pattern.pattern))
            elif isinstance(pattern, URLPattern):
                view = getattr(pattern.callback, "view_class", None)
                if view is not None and hasattr(view, "get"):
                    yield prefix + str(pattern.pattern)

    return [route for route in walk(get_resolver().url_patterns, "/") if route.startswith("/api/v1/")]


@pytest.fixture
def planted(api, make, workspace, owner, server, loopback_allowed):
    """A workspace holding each kind of credential, and the ids to fill the routes with."""
    set_http_allow_list(workspace, ["127.0.0.1"], member=owner)
    form = make.form(workspace, [{"key": "title", "type": "text"}, {"key": "qty", "type": "counter"}], key="orders")
    record = make.record(form, {"title": "a", "qty": 3})
    assert api.post("/api/v1/secrets/", {"name": "erp-token", "value": VAULT}, format="json").status_code == 201
    assert api.post("/api/v1/channel-accounts/", {
        "key": "tmall", "adapter": "taobao", "credentials": {"app_key": "1", "app_secret": SESSION + "-APP",
                                                             "session": SESSION}}, format="json").status_code == 201
    flow = {"key": "intake", "name": "Intake", "trigger": {"type": "webhook", "secret": TRIGGER},
            "steps": [{"id": "call", "type": "http.request", "method": "POST", "url": server.url + "/erp",
                       "headers": {"Authorization": {"secret": "erp-token"}, "X-Partner": HEADER},
                       "body": {"n": 1}}]}
    assert api.post("/api/v1/flows/", flow, format="json").status_code == 201
    endpoint = api.post("/api/v1/endpoints/", {"key": "erp", "flow": "intake", "secret": ENDPOINT,
                                               "verification": {"mode": "token", "header": "X-Erp-Token"}},
                        format="json")
    assert endpoint.status_code == 201, endpoint.json()
    subscription = api.post("/api/v1/subscriptions/", {"key": "erp", "name": "ERP", "url": server.url + "/sub",
                                                       "events": ["record.created"]}, format="json")
    assert subscription.status_code == 201, subscription.json()
    status, body = receive_webhook(api)
    assert status == 202, body
    run = Run.objects.get(pk=body["run"])
    runner.execute(run.pk)
    run.refresh_from_db()
    assert run.status == "succeeded", run.error
    assert server.requests[0]["headers"]["Authorization"] == VAULT
    ids = {"forms": "orders", "flows": "intake", "endpoints": "erp", "subscriptions": "erp",
           "channel-accounts": "tmall", "secrets": "erp-token", "records": str(record.pk), "runs": str(run.pk),
           "counters": "qty", "views": "1", "deliveries": "1"}
    return ids, subscription.json()["secret"]


def receive_webhook(api) -> tuple[int, dict]:
    """A delivery to the flow's webhook URL, stored then processed into a run: (status, {"run": id, ...})."""
    from rest_framework.test import APIClient

    from apps.connectors.inbound.processing import process_pending
    from apps.flows.models import Flow

    token = Flow.objects.get(key="intake").webhook_token
    response = APIClient().post(f"/api/v1/hooks/flows/{token}/", b'{"id": 1}', content_type="application/json",
                                HTTP_X_WEFT_TOKEN=TRIGGER)
    process_pending()
    run = Run.objects.filter(flow__key="intake").values_list("pk", flat=True).first()
    return response.status_code, {**response.json(), "run": run}


def filled(route: str, ids: dict[str, str]) -> str:
    """The route with each parameter replaced by the planted object of the collection before it."""
    def value(match: re.Match) -> str:
        before = route[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return ids.get(before, "1")

    return re.sub(r"<(?:\w+:)?\w+>", value, route)


def walk(client, ids: dict[str, str]) -> dict[str, tuple[int, str]]:
    answers = {}
    for route in get_routes():
        url = filled(route, ids)
        response = client.get(url, HTTP_ACCEPT="application/json")
        body = b"".join(response.streaming_content) if response.streaming else response.content
        answers[url] = (response.status_code, body.decode("utf-8", errors="replace"))
    return answers


def test_the_walk_reaches_the_planted_objects(api, planted):
    ids, _secret = planted
    answers = walk(api, ids)

    for url in ("/api/v1/secrets/erp-token/", "/api/v1/flows/intake/", "/api/v1/endpoints/erp/",
                "/api/v1/subscriptions/erp/", "/api/v1/channel-accounts/tmall/", f"/api/v1/runs/{ids['runs']}/"):
        assert answers[url][0] == 200, (url, answers[url])
    assert all(status < 500 for status, _body in answers.values())


@pytest.mark.parametrize("role", ["member", "builder"])
def test_no_get_answer_contains_a_secret_value(make, workspace, planted, role):
    ids, subscription_secret = planted
    client = make.client(make.member(workspace, role=role))
    shown = NEVER_SHOWN + (subscription_secret,) + ((HEADER,) if role == "member" else ())

    for url, (_status, body) in walk(client, ids).items():
        for marker in shown:
            assert marker not in body, f"{marker} shown to a {role} by GET {url}"
