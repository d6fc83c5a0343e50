"""The intake URL as the ASGI server answers it (before Django): same rules, group commit, answers after commit.

The application is driven through asgiref's ApplicationCommunicator, as an
ASGI server would drive it. The group commit writes from a thread of its own
(its own database connection), so these tests run with committed data.
"""

from __future__ import annotations

import asyncio
import json
import threading
import time

import pytest
from asgiref.testing import ApplicationCommunicator

from apps.asgi import application
from apps.connectors.inbound import intake
from apps.connectors.inbound.endpoints import create_endpoint
from apps.connectors.models import Delivery
from apps.connectors.verification import modes
from apps.core.signing import new_secret

pytestmark = pytest.mark.django_db(transaction=True)

FIELDS = [{"key": "order_id", "type": "text"}, {"key": "total", "type": "decimal", "decimal_places": 2}]


@pytest.fixture
def endpoint(make, writer):
    workspace = make.workspace()
    make.form(workspace, FIELDS, key="orders", unique_key=["order_id"])
    return create_endpoint(workspace, {"key": "shop", "form": "orders",
                                       "mapping": {"order_id": "{{ body.id }}", "total": "{{ body.total }}"}},
                           member=make.owner(workspace))


def path(endpoint) -> str:
    return f"/api/v1/hooks/in/{endpoint.token}/"


def signed(endpoint, body: bytes, delivery_id: str, *, secret: str | None = None, timestamp: int | None = None
           ) -> dict[str, str]:
    return modes.get("standard_webhooks").sign({}, secret or endpoint.secret, body, delivery_id=delivery_id,
                                              timestamp=timestamp or int(time.time()))


async def request(url: str, body: bytes = b"", headers: dict[str, str] | None = None, *, method: str = "POST",
                  chunks: list[bytes] | None = None, host: str = "127.0.0.1") -> tuple[int, dict, dict]:
    """One request through the ASGI application: (status, response headers, JSON body or {})."""
    sent = {"host": host, "content-type": "application/json", **(headers or {})}
    if chunks is None:
        sent["content-length"] = str(len(body))
    scope = {"type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1", "method": method, "scheme": "http",
             "path": url, "raw_path": url.encode(), "query_string": b"", "root_path": "",
             "headers": [(k.lower().encode(), v.encode()) for k, v in sent.items()],
             "client": ("127.0.0.1", 50000), "server": ("127.0.0.1", 8000)}
    communicator = ApplicationCommunicator(application, scope)
    parts = chunks if chunks is not None else [body]
    for index, part in enumerate(parts):
        await communicator.send_input({"type": "http.request", "body": part, "more_body": index < len(parts) - 1})
    start = await communicator.receive_output(30)
    content = b""
    while True:
        message = await communicator.receive_output(30)
        content += message.get("body", b"")
        if not message.get("more_body"):
            break
    await communicator.wait(30)
    answer_headers = {k.decode(): v.decode() for k, v in start["headers"]}
    return start["status"], answer_headers, json.loads(content) if content else {}


def post(endpoint, body: bytes, delivery_id: str, **options) -> tuple[int, dict, dict]:
    headers = {**signed(endpoint, body, delivery_id), **options.pop("headers", {})}
    return asyncio.run(request(path(endpoint), body, headers, **options))


def order(order_id: str = "W-1", total: str = "9.90") -> bytes:
    return json.dumps({"id": order_id, "total": total}).encode()


def test_a_delivery_is_stored_raw_and_answered_202_with_its_id(endpoint):
    status, headers, answer = post(endpoint, order(), "msg_1", headers={"X-Shop": "own", "Authorization": "Bearer x"})
    assert status == 202, answer
    delivery = Delivery.objects.get(pk=answer["delivery"])
    assert delivery.status == "received" and delivery.delivery_id == "msg_1"
    assert json.loads(delivery.body) == {"id": "W-1", "total": "9.90"}
    assert delivery.headers["x-shop"] == "own" and delivery.headers["webhook-id"] == "msg_1"
    assert delivery.headers["content-type"] == "application/json"
    assert "authorization" not in delivery.headers and "content-length" not in delivery.headers
    assert headers["content-type"] == "application/json" and headers["x-content-type-options"] == "nosniff"


def test_a_replay_answers_200_duplicate_naming_the_stored_delivery(endpoint):
    first = post(endpoint, order(), "msg_same")
    again = post(endpoint, order(total="1.00"), "msg_same")
    assert first[0] == 202 and again[0] == 200
    assert again[2] == {"delivery": first[2]["delivery"], "duplicate": True}
    assert Delivery.objects.filter(endpoint=endpoint).count() == 1
    assert json.loads(Delivery.objects.get().body)["total"] == "9.90"


@pytest.mark.parametrize(("change", "status", "code"), [
    ({"secret": new_secret()}, 401, "bad_signature"),
    ({"timestamp": int(time.time()) - 3600}, 401, "stale_timestamp"),
])
def test_a_bad_signature_is_refused_and_kept_as_a_rejected_row(endpoint, change, status, code):
    body = order()
    answer = asyncio.run(request(path(endpoint), body, signed(endpoint, body, "msg_bad", **change)))
    assert answer[0] == status and answer[2]["code"] == code
    rejected = Delivery.objects.get(endpoint=endpoint)
    assert rejected.status == "rejected" and rejected.error["code"] == code and rejected.delivery_id is None


def test_malformed_json_and_oversized_bodies_are_refused_with_the_reason(endpoint):
    status, _headers, answer = post(endpoint, b'{"id": ', "msg_json")
    assert status == 400 and answer["code"] == "malformed_json" and "body" in answer["errors"]
    endpoint.max_body_bytes = 64
    endpoint.save()
    intake.forget()
    big = order(total="1" * 100)
    assert post(endpoint, big, "msg_big")[0] == 413
    status, _headers, answer = post(endpoint, big, "msg_chunked", chunks=[big[:40], big[40:]])
    assert status == 413 and answer["code"] == "body_too_large"
    assert not Delivery.objects.filter(status="received").exists()


def test_unknown_endpoints_other_methods_and_foreign_hosts(endpoint):
    status, _headers, answer = asyncio.run(request("/api/v1/hooks/in/nope/", b"{}"))
    assert status == 404 and answer["code"] == "endpoint_not_found"
    status, headers, _answer = asyncio.run(request(path(endpoint), method="GET"))
    assert status == 405 and headers["allow"] == "POST"
    assert asyncio.run(request(path(endpoint), order(), host="evil.example"))[0] == 400
    assert not Delivery.objects.exists()


def test_refusals_speak_the_senders_language(endpoint):
    status, _headers, answer = asyncio.run(request("/api/v1/hooks/in/nope/", b"{}",
                                                   {"Accept-Language": "zh-Hans,zh;q=0.9"}))
    assert status == 404 and answer["errors"]["non_field_errors"] == ["没有端点监听此地址。"]


def test_every_other_url_is_still_django(endpoint):
    status, _headers, answer = asyncio.run(request("/api/v1/forms/", method="GET"))
    assert status in (401, 403) and "code" in answer  # DRF's answer, not the intake's


def test_concurrent_deliveries_are_grouped_and_each_answered_after_its_commit(endpoint, writer, monkeypatch):
    """The writer holds its first INSERT until the others queue up: they then go in one INSERT."""
    batches: list[int] = []
    store_rows = intake.store_rows

    def recording(rows):
        if not batches:
            deadline = time.monotonic() + 20
            while len(rows) + len(writer._queue) < 60 and time.monotonic() < deadline:
                time.sleep(0.01)
        batches.append(len(rows))
        return store_rows(rows)

    monkeypatch.setattr(intake, "store_rows", recording)
    bodies = [(f"msg_{n % 20}", order(f"W-{n % 20}")) for n in range(60)]  # 20 ids, each sent 3 times

    async def burst():
        return await asyncio.gather(*(request(path(endpoint), body, signed(endpoint, body, did))
                                      for did, body in bodies))

    answers = asyncio.run(burst())
    assert sum(batches) == 60 and len(batches) <= 2 and max(batches) > 1
    stored = dict(Delivery.objects.filter(endpoint=endpoint).values_list("delivery_id", "pk"))
    assert len(stored) == 20
    for did in stored:
        got = [a for (d, _b), a in zip(bodies, answers, strict=True) if d == did]
        assert sorted(status for status, _h, _a in got) == [200, 200, 202]
        assert all(answer["delivery"] == stored[did] for _s, _h, answer in got)


def test_two_writers_racing_with_the_same_ids_store_each_once(endpoint):
    """Two processes' group commits (two connections) inserting the same ids at the same moment."""
    ids = [f"msg_race_{n}" for n in range(50)]
    barrier = threading.Barrier(2)
    results: dict[int, list] = {}

    def write(side: int) -> None:
        now = intake.connection.ops.adapt_datetimefield_value(intake.timezone.now())
        rows = [intake.Row(endpoint.workspace_id, endpoint.pk, did, "{}", order(did).decode(), now)
                for did in (ids if side == 0 else list(reversed(ids)))]
        try:
            barrier.wait(10)
            results[side] = list(zip((r.delivery_id for r in rows), intake.store_rows(rows), strict=True))
        finally:
            intake.connection.close()

    threads = [threading.Thread(target=write, args=(side,)) for side in (0, 1)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(30)
    assert set(results) == {0, 1}
    stored = dict(Delivery.objects.filter(endpoint=endpoint).values_list("delivery_id", "pk"))
    assert sorted(stored) == sorted(ids)
    both = {side: {did: outcome for did, outcome in results[side]} for side in (0, 1)}
    for did in ids:
        (pk0, dup0), (pk1, dup1) = both[0][did], both[1][did]
        assert pk0 == pk1 == stored[did]
        assert sorted([dup0, dup1]) == [False, True]  # exactly one of the two stored it


def test_a_failed_insert_answers_503_and_the_writer_goes_on(endpoint):
    ghost = intake.Listener(10**9, endpoint.workspace_id, "standard_webhooks", {}, (endpoint.secret,), 1024, None)
    intake._cache["ghost-token"] = (time.monotonic(), ghost)
    body = order()
    status, _headers, answer = asyncio.run(request("/api/v1/hooks/in/ghost-token/", body,
                                                   signed(endpoint, body, "msg_ghost")))
    assert status == 503 and answer["code"] == "not_stored"
    assert post(endpoint, body, "msg_after")[0] == 202
    assert list(Delivery.objects.values_list("delivery_id", flat=True)) == ["msg_after"]


def test_a_flows_webhook_url_is_answered_here_by_the_same_intake(make, writer):
    workspace = make.workspace()
    flow = make.flow(workspace, trigger={"type": "webhook", "secret": "s3cret-value", "dedupe_header": "X-Id"})
    url = f"/api/v1/hooks/flows/{flow.webhook_token}"
    first = asyncio.run(request(url + "/", b'{"n": 1}', {"X-Weft-Token": "s3cret-value", "X-Id": "d-1"}))
    again = asyncio.run(request(url, b'{"n": 1}', {"X-Weft-Token": "s3cret-value", "X-Id": "d-1"}))
    assert first[0] == 202 and again[0] == 200 and again[2] == {"delivery": first[2]["delivery"], "duplicate": True}
    delivery = Delivery.objects.get(pk=first[2]["delivery"])
    assert delivery.endpoint.flow_id == flow.pk and "x-weft-token" not in delivery.headers

    wrong = asyncio.run(request(url, b'{"n": 2}', {"X-Weft-Token": "wrong-value", "X-Id": "d-2"}))
    assert wrong[0] == 401 and wrong[2]["code"] == "bad_webhook_token"
    nul = asyncio.run(request(url, b'{"n": 3}', {"X-Weft-Token": "s3cret-value", "X-Id": "d\x00-3"}))
    assert nul[0] == 400 and nul[2]["code"] == "malformed_delivery_id"
    unknown = asyncio.run(request("/api/v1/hooks/flows/nope/", b"{}"))
    assert unknown[0] == 404 and unknown[2]["code"] == "flow_not_found"
    assert Delivery.objects.exclude(status="rejected").count() == 1
