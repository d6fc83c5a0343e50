"""Every JSON write path refuses a hostile body at the door: 4xx, a JSON answer with a code and a reason,
and nothing stored, not even half-way.

Hostile: text PostgreSQL cannot store (NUL, a lone surrogate, in a value or a
key), numbers JSON does not have (NaN, Infinity, -Infinity, 1e999999),
nesting thousands of levels deep, UTF-8 cut in the middle of a character and
a body that is not JSON at all. Each is put where each path expects a plain
string, so the same body with ``"fine"`` there is accepted (checked first).
"""

from __future__ import annotations

import json
import time

import pytest
from django.apps import apps as django_apps
from rest_framework.test import APIClient

from apps.connectors.inbound import intake
from apps.connectors.inbound.endpoints import create_endpoint
from apps.connectors.models import Delivery
from apps.connectors.verification import modes
from apps.flows.models import Flow

pytestmark = pytest.mark.django_db

H = "__HOSTILE__"
STOCK = {"key": "stock", "name": "Stock", "unique_key": ["sku"],
         "fields": [{"key": "sku", "type": "text", "required": True}, {"key": "note", "type": "text"},
                    {"key": "lines", "type": "subtable", "fields": [{"key": "item", "type": "text"}]},
                    {"key": "available", "type": "counter"}]}
FLOW = {"key": "tally", "name": "Tally", "trigger": {"type": "manual"},
        "steps": [{"id": "work", "type": "set", "variables": {"n": "1"}}]}
HOOK_FLOW = {"key": "hook", "name": "Hook", "trigger": {"type": "webhook"},
             "steps": [{"id": "work", "type": "set", "variables": {"n": "1"}}]}

# (method, path, body with H where a plain string goes)
PATHS = [
    ("POST", "/api/v1/forms/", {**STOCK, "key": "stock2", "name": H}),
    ("PUT", "/api/v1/forms/stock/", {**STOCK, "name": H}),
    ("POST", "/api/v1/forms/stock/records/", {"sku": "NEW-1", "note": H}),
    ("POST", "/api/v1/forms/stock/records/", {"sku": "NEW-4", "lines": [{"item": H}]}),
    ("POST", "/api/v1/forms/stock/records/upsert/", {"sku": "NEW-2", "note": H}),
    ("POST", "/api/v1/forms/stock/records/bulk/", {"records": [{"sku": "NEW-3", "note": H}]}),
    ("PUT", "/api/v1/forms/stock/records/{record}/", {"sku": "TEE-1", "note": H}),
    ("PATCH", "/api/v1/forms/stock/records/{record}/", {"note": H}),
    ("POST", "/api/v1/forms/stock/records/{record}/adjust/", {"field": "available", "delta": 1, "key": H}),
    ("POST", "/api/v1/forms/stock/views/", {"name": H}),
    ("POST", "/api/v1/flows/", {**FLOW, "key": "tally2", "name": H}),
    ("PUT", "/api/v1/flows/tally/", {**FLOW, "name": H}),
    ("POST", "/api/v1/flows/tally/run/", {"input": {"note": H}}),
    ("POST", "/api/v1/endpoints/", {"key": "shop2", "form": "stock", "name": H}),
    ("PUT", "/api/v1/endpoints/shop/", {"name": H}),
    ("POST", "/api/v1/subscriptions/", {"key": "erp2", "url": "https://erp.example.com/hook",
                                        "events": ["record.created"], "name": H}),
    ("POST", "/api/v1/channel-accounts/", {"key": "site2", "adapter": "website", "name": H}),
    ("POST", "/api/v1/hooks/in/{endpoint}/", {"id": "W-1", "note": H}),
    ("POST", "/api/v1/hooks/flows/{flow}/", {"id": "W-1", "note": H}),
]

SYNTAX = {"malformed_request", "malformed_json"}  # the API's code for a body that is no JSON, and the hooks'
HOSTILE = {
    "NUL in a string": (b'"a\\u0000b"', {"unstorable_text"}),
    "NUL in a key": (b'{"k\\u0000": "x"}', {"unstorable_text"}),
    "a lone surrogate": (b'"\\udc00"', {"unstorable_text"}),
    "NaN": (b"NaN", {"json_bad_number"}),
    "Infinity": (b"Infinity", {"json_bad_number"}),
    "-Infinity": (b"-Infinity", {"json_bad_number"}),
    "1e999999": (b"1e999999", {"json_bad_number"}),
    "nesting 5,000 deep": (b"[" * 5000 + b"]" * 5000, {"json_too_deep"}),
    "truncated UTF-8": (b'"\xe5\x95"', SYNTAX),
    "truncated JSON": (b'"fine"}, {"x": ', SYNTAX),
}


@pytest.fixture
def world(make, workspace, owner, api):
    """One of everything the paths write to, and a way to send a body to each path."""
    make.form(workspace, STOCK["fields"], key="stock", unique_key=["sku"])
    record = make.record(workspace.forms.get(key="stock"), {"sku": "TEE-1"}, member=owner)
    for flow in (FLOW, HOOK_FLOW):
        assert api.post("/api/v1/flows/", flow, format="json").status_code == 201
    endpoint = create_endpoint(workspace, {"key": "shop", "form": "stock",
                                           "mapping": {"sku": "{{ body.id }}", "note": "{{ body.note }}"}},
                               member=owner)
    assert api.post("/api/v1/subscriptions/", {"key": "erp", "url": "https://erp.example.com/hook",
                                               "events": ["record.created"]}, format="json").status_code == 201
    assert api.post("/api/v1/channel-accounts/", {"key": "site", "adapter": "website"},
                    format="json").status_code == 201
    names = {"record": record.pk, "endpoint": endpoint.token,
             "flow": Flow.objects.get(key="hook").webhook_token}
    intake.forget()

    def send(method: str, path: str, body: bytes, content_type: str = "application/json"):
        url = path.format(**names)
        if "/hooks/in/" in url:
            signed = modes.get("standard_webhooks").sign({}, endpoint.secret, body,
                                                         delivery_id=f"msg_{time.monotonic_ns()}",
                                                         timestamp=int(time.time()))
            meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in signed.items()}
            return APIClient().generic(method, url, body, content_type=content_type, **meta)
        if "/hooks/" in url:
            return APIClient().generic(method, url, body, content_type=content_type)
        return api.generic(method, url, body, content_type=content_type)

    return send


def with_value(template: dict, fragment: bytes) -> bytes:
    return json.dumps(template).encode().replace(json.dumps(H).encode(), fragment)


def stored() -> dict[str, int]:
    """Rows of every model; a refused delivery kept as ``rejected`` is evidence, not stored data."""
    counts = {}
    for model in django_apps.get_models():
        if model._meta.app_label in {"accounts", "audit", "core", "forms", "flows", "connectors", "vault"}:
            rows = model.objects.exclude(status="rejected") if model is Delivery else model.objects.all()
            counts[model._meta.label] = rows.count()
    return counts


def test_each_path_accepts_its_body_with_a_plain_string(world):
    for method, path, template in PATHS:
        response = world(method, path, with_value(template, b'"fine"'))
        assert response.status_code < 300, (method, path, response.status_code, response.content[:300])


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_body_is_refused_by_every_json_write_path_and_nothing_is_stored(world, kind):
    fragment, codes = HOSTILE[kind]
    wrong = []
    for method, path, template in PATHS:
        before = stored()
        response = world(method, path, with_value(template, fragment))
        answer = response.json() if response["Content-Type"].startswith("application/json") else {}
        reasons = [message for messages in answer.get("errors", {}).values() for message in messages]
        if not (400 <= response.status_code < 500 and answer.get("code") in codes and all(reasons) and reasons
                and stored() == before):
            wrong.append((method, path, response.status_code, response.content[:200]))
    assert not wrong, wrong


def test_a_body_that_is_not_json_is_refused_by_every_json_write_path(world):
    wrong = []
    for method, path, template in PATHS:
        before = stored()
        response = world(method, path, with_value(template, b'"fine"'), content_type="application/xml")
        if not (response.status_code == 415 and response.json()["code"] == "unsupported_media_type"
                and stored() == before):
            wrong.append((method, path, response.status_code, response.content[:200]))
    assert not wrong, wrong
