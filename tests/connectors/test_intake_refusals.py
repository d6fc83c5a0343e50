"""Bodies the intake must refuse at the door, through both ways in: the Django view and the ASGI route.

A refused delivery answers 4xx with a code and a reason naming what is
wrong, is kept as a ``rejected`` row that can itself be stored, and is never
``received``: nothing the database cannot keep gets past the door.
"""

from __future__ import annotations

import asyncio
import json
import time

import pytest
from asgiref.testing import ApplicationCommunicator
from rest_framework.test import APIClient

from apps.asgi import application
from apps.connectors.inbound import intake
from apps.connectors.inbound.endpoints import create_endpoint
from apps.connectors.models import Delivery
from apps.connectors.verification import modes

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = [{"key": "order_id", "type": "text"}, {"key": "note", "type": "text"}]


@pytest.fixture
def endpoint(make, writer):
    workspace = make.workspace()
    make.form(workspace, FIELDS, key="orders", unique_key=["order_id"])
    return create_endpoint(workspace, {"key": "shop", "form": "orders",
                                       "mapping": {"order_id": "{{ body.id }}", "note": "{{ body.note }}"}},
                           member=make.owner(workspace))


@pytest.fixture(params=["django", "asgi"])
def door(request):
    return request.param


async def _asgi(url: str, body: bytes, headers: dict[str, str]) -> tuple[int, dict]:
    sent = {"host": "127.0.0.1", "content-length": str(len(body)), **headers}
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": "POST", "scheme": "http",
             "path": url, "raw_path": url.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode("latin-1")) for k, v in sent.items()],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    communicator = ApplicationCommunicator(application, scope)
    await communicator.send_input({"type": "http.request", "body": body, "more_body": False})
    start = await communicator.receive_output(30)
    content = (await communicator.receive_output(30)).get("body", b"")
    await communicator.wait(30)
    return start["status"], json.loads(content) if content else {}


def send(door: str, endpoint, body: bytes, *, content_type: str = "application/json", slash: str = "/",
         headers: dict[str, str] | None = None) -> tuple[int, dict]:
    """POST a signed delivery through one door; (status, JSON answer)."""
    delivery_id = f"msg_{time.monotonic_ns()}"
    signed = modes.get("standard_webhooks").sign({}, endpoint.secret, body, delivery_id=delivery_id,
                                                 timestamp=int(time.time()))
    url = f"/api/v1/hooks/in/{endpoint.token}{slash}"
    extra = {**signed, **(headers or {})}
    if door == "asgi":
        if content_type:
            extra["content-type"] = content_type
        return asyncio.run(_asgi(url, body, extra))
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in extra.items()}
    response = APIClient().generic("POST", url, body, content_type=content_type, **meta)
    return response.status_code, response.json()


HOSTILE = {
    "NUL in a string": (b'{"id": "W-1", "note": "a\\u0000b"}', "unstorable_text", "body.note"),
    "NUL in a key": (b'{"id": "W-1", "no\\u0000te": "x"}', "unstorable_text", "body.no\\u0000te"),
    "a lone surrogate": (b'{"id": "W-1", "lines": [{"sku": "\\ud800"}]}', "unstorable_text", "body.lines[0].sku"),
    "NaN": (b'{"id": "W-1", "total": NaN}', "json_bad_number", "body"),
    "Infinity": (b'{"id": "W-1", "total": Infinity}', "json_bad_number", "body"),
    "-Infinity": (b'{"id": "W-1", "total": -Infinity}', "json_bad_number", "body"),
    "1e999999": (b'{"id": "W-1", "total": 1e999999}', "json_bad_number", "body"),
    "nesting 5,000 deep": (b"[" * 5000 + b"]" * 5000, "json_too_deep", "body"),
    "truncated UTF-8": (b'{"id": "W-1", "note": "\xe5\x95"}', "malformed_json", "body"),
    "a raw NUL byte": (b'{"id": "W-1", "note": "\x00"}', "malformed_json", "body"),
}


@pytest.mark.parametrize("kind", list(HOSTILE))
def test_a_hostile_body_is_refused_with_its_reason_and_kept_as_a_storable_rejected_row(door, endpoint, kind):
    body, code, field = HOSTILE[kind]
    status, answer = send(door, endpoint, body)
    assert (status, answer["code"]) == (400, code), answer
    assert list(answer["errors"]) == [field] and answer["errors"][field][0]
    rejected = Delivery.objects.get(endpoint=endpoint)
    assert rejected.status == "rejected" and rejected.error["code"] == code
    assert "\x00" not in rejected.body
    assert not Delivery.objects.filter(status="received").exists()


@pytest.mark.parametrize(("content_type", "status"), [
    ("application/json", 202),
    ("application/json; charset=utf-8", 202),
    ("application/vnd.shop.order+json", 202),
    ("text/plain", 202),
    ("", 202),
    ("application/x-www-form-urlencoded", 415),
    ("application/xml", 415),
    ("multipart/form-data; boundary=x", 415),
])
def test_json_of_any_json_type_or_unlabelled_is_accepted_and_other_types_refused(door, endpoint, content_type,
                                                                                  status):
    got, answer = send(door, endpoint, b'{"id": "W-1"}', content_type=content_type)
    assert got == status, answer
    if status == 415:
        assert answer["code"] == "unsupported_media_type" and answer["errors"]["content-type"][0]
        assert not Delivery.objects.filter(status="received").exists()


def test_the_url_without_its_trailing_slash_is_answered_the_same(door, endpoint):
    status, answer = send(door, endpoint, b'{"id": "W-1"}', slash="")
    assert status == 202, answer
    assert Delivery.objects.get(pk=answer["delivery"]).status == "received"


def test_a_header_holding_nul_is_kept_storable(endpoint):
    status, answer = send("asgi", endpoint, b'{"id": "W-1"}', headers={"x-note": "a\x00b"})
    assert status == 202, answer
    assert Delivery.objects.get(pk=answer["delivery"]).headers["x-note"] == "a\\u0000b"


def test_a_delivery_the_database_refuses_fails_alone_in_its_group_commit(endpoint, writer, monkeypatch):
    """A row of a multi-row INSERT that fails (here: its endpoint is gone) fails only itself, not its batch."""
    store_rows, sizes = intake.store_rows, []

    def recording(rows):
        sizes.append(len(rows))
        return store_rows(rows)

    monkeypatch.setattr(intake, "store_rows", recording)

    async def both():
        loop = asyncio.get_running_loop()
        now = intake._now()
        rows = [intake.Row(endpoint.workspace_id, endpoint_id, f"msg_{n}", "{}", "{}", now, loop, loop.create_future())
                for n, endpoint_id in enumerate((10**9, endpoint.pk))]
        with writer._ready:  # both are queued before the writer takes any: they go in one INSERT
            for row in rows:
                writer.submit(row)
        return await asyncio.gather(*(row.future for row in rows), return_exceptions=True)

    ghost, stored = asyncio.run(both())
    assert sizes[0] == 2
    assert isinstance(ghost, Exception)
    assert stored[1] is False and Delivery.objects.get(pk=stored[0]).delivery_id == "msg_1"
