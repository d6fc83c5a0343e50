"""Records through the API: validation, upsert, optimistic locking, bulk, idempotency, history, outbox."""

from __future__ import annotations

import json

import pytest

from apps.forms.models import Event, Record, RecordHistory

ORDER_FIELDS = [
    {"key": "platform", "type": "text", "required": True},
    {"key": "order_id", "type": "text", "required": True},
    {"key": "qty", "type": "integer", "min": 1},
    {"key": "note", "type": "text", "max_length": 20},
]


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, ORDER_FIELDS, key="orders", unique_key=["platform", "order_id"])


URL = "/api/v1/forms/orders/records/"


def post(api, url, body, **headers):
    return api.post(url, body, format="json", **headers)


def test_create_and_read(api, orders):
    created = post(api, URL, {"platform": "jd", "order_id": "A-1", "qty": 2})
    assert created.status_code == 201
    record = created.json()
    assert record["data"] == {"platform": "jd", "order_id": "A-1", "qty": 2}
    assert record["version"] == 1
    got = api.get(f"{URL}{record['id']}/")
    assert got.status_code == 200 and got.json()["data"]["qty"] == 2


def test_every_failing_field_is_named(api, orders):
    response = post(api, URL, {"order_id": "A-1", "qty": 0, "note": "x" * 30, "colour": "red"})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert body["errors"] == {
        "platform": ["is required"],
        "qty": ["must be at least 1"],
        "note": ["must be at most 20 characters long"],
        "colour": ["is not a field of this form"],
    }
    assert not Record.objects.exists()


def test_wrong_type_and_non_object_body(api, orders):
    assert post(api, URL, {"platform": "jd", "order_id": "1", "qty": "two"}).json()["errors"] == {
        "qty": ["must be a whole number"]
    }
    assert post(api, URL, [1, 2]).status_code == 400


def test_errors_in_chinese(api, orders):
    response = post(api, URL, {"order_id": "1"}, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert response.status_code == 400
    assert response.json()["errors"]["platform"] != ["is required"]


def test_malformed_json(api, orders):
    response = api.post(URL, "{not json", content_type="application/json")
    assert response.status_code == 400
    assert response.json()["code"] == "malformed_request"


def test_oversized_body(api, orders, settings):
    settings.DATA_UPLOAD_MAX_MEMORY_SIZE = 1000
    response = api.post(URL, json.dumps({"platform": "jd", "order_id": "1", "note": "x" * 2000}),
                        content_type="application/json")
    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_upsert_by_unique_key(api, orders):
    first = post(api, f"{URL}upsert/", {"platform": "jd", "order_id": "9", "qty": 1})
    second = post(api, f"{URL}upsert/", {"platform": "jd", "order_id": "9", "qty": 4})
    assert (first.status_code, second.status_code) == (201, 200)
    assert first.json()["id"] == second.json()["id"]
    assert second.json()["data"]["qty"] == 4 and second.json()["version"] == 2
    assert Record.objects.count() == 1


def test_upsert_needs_the_key_fields(api, orders):
    response = post(api, f"{URL}upsert/", {"platform": "jd"})
    assert response.status_code == 400
    assert "order_id" in response.json()["errors"]


def test_duplicate_key_on_create_is_a_conflict(api, orders):
    post(api, URL, {"platform": "jd", "order_id": "1"})
    response = post(api, URL, {"platform": "jd", "order_id": "1"})
    assert response.status_code == 409
    assert response.json()["code"] == "duplicate_key"


def test_stale_version_is_refused(api, orders):
    record = post(api, URL, {"platform": "jd", "order_id": "1", "qty": 1}).json()
    assert api.patch(f"{URL}{record['id']}/", {"qty": 2, "version": 1}, format="json").status_code == 200
    stale = api.patch(f"{URL}{record['id']}/", {"qty": 3, "version": 1}, format="json")
    assert stale.status_code == 409
    assert stale.json()["code"] == "stale_version" and stale.json()["current_version"] == 2
    via_header = api.patch(f"{URL}{record['id']}/", {"qty": 3}, format="json", HTTP_IF_MATCH="2")
    assert via_header.status_code == 200 and via_header.json()["version"] == 3


def test_put_replaces_and_clears_missing_fields(api, orders):
    record = post(api, URL, {"platform": "jd", "order_id": "1", "qty": 1, "note": "gift"}).json()
    replaced = api.put(f"{URL}{record['id']}/", {"platform": "jd", "order_id": "1"}, format="json").json()
    assert replaced["data"] == {"platform": "jd", "order_id": "1"}


def test_delete_keeps_history(api, orders):
    record = post(api, URL, {"platform": "jd", "order_id": "1"}).json()
    assert api.delete(f"{URL}{record['id']}/").status_code == 204
    assert api.get(f"{URL}{record['id']}/").status_code == 404
    actions = list(RecordHistory.objects.filter(record_id=record["id"]).values_list("action", flat=True))
    assert actions == ["deleted", "created"]
    assert Event.objects.filter(record_id=record["id"], type="record.deleted").exists()


def test_every_change_writes_history_and_an_event(api, orders, owner):
    record = post(api, URL, {"platform": "jd", "order_id": "1", "qty": 1}).json()
    api.patch(f"{URL}{record['id']}/", {"qty": 5}, format="json")

    history = RecordHistory.objects.filter(record_id=record["id"]).order_by("id")
    assert [h.action for h in history] == ["created", "updated"]
    assert history[1].before["qty"] == 1 and history[1].after["qty"] == 5
    assert history[1].changed == ["qty"] and history[1].actor == owner
    events = Event.objects.filter(record_id=record["id"]).order_by("id")
    assert [e.type for e in events] == ["record.created", "record.updated"]
    assert events[1].payload["changed"] == ["qty"] and events[1].dispatched_at is None


def test_unchanged_update_writes_nothing(api, orders):
    record = post(api, URL, {"platform": "jd", "order_id": "1", "qty": 1}).json()
    again = api.patch(f"{URL}{record['id']}/", {"qty": 1}, format="json").json()
    assert again["version"] == 1
    assert Event.objects.filter(record_id=record["id"]).count() == 1


def test_bulk_create_is_all_or_nothing(api, orders):
    rows = [{"platform": "tb", "order_id": str(i), "qty": 1} for i in range(5)]
    rows[3]["qty"] = 0
    rows[4]["order_id"] = "0"
    response = post(api, f"{URL}bulk/", {"records": rows})
    assert response.status_code == 400
    report = {row["row"]: row["errors"] for row in response.json()["rows"]}
    assert report[3] == {"qty": ["must be at least 1"]}
    assert 4 in report
    assert not Record.objects.exists() and not Event.objects.exists()


def test_bulk_upsert_creates_and_updates(api, orders):
    post(api, URL, {"platform": "tb", "order_id": "1", "qty": 1})
    rows = [{"platform": "tb", "order_id": "1", "qty": 7}, {"platform": "tb", "order_id": "2", "qty": 1}]
    response = post(api, f"{URL}bulk/", {"records": rows, "upsert": True})
    assert response.status_code == 201
    assert (response.json()["created"], response.json()["updated"]) == (1, 1)
    assert Record.objects.get(unique_key__startswith="tb\x1f1").data["qty"] == 7
    assert Event.objects.filter(type="record.updated").count() == 1


def test_idempotency_key_replays_the_first_response(api, orders):
    body = {"platform": "jd", "order_id": "1"}
    first = post(api, URL, body, HTTP_IDEMPOTENCY_KEY="abc")
    second = post(api, URL, body, HTTP_IDEMPOTENCY_KEY="abc")
    assert first.status_code == second.status_code == 201
    assert second.json() == first.json() and second.headers["Idempotent-Replayed"] == "true"
    assert Record.objects.count() == 1
    other = post(api, URL, {"platform": "jd", "order_id": "2"}, HTTP_IDEMPOTENCY_KEY="abc")
    assert other.status_code == 422 and other.json()["code"] == "idempotency_key_reused"


def test_idempotency_key_in_flight_answers_409(api, orders, workspace):
    from apps.accounts.models import ApiToken
    from apps.core import idempotency

    token = ApiToken.objects.get(member=api.member)
    idempotency.begin(workspace.pk, idempotency.principal_of(api.member.pk, token.pk), "busy", "POST", URL,
                      json.dumps({"platform": "jd", "order_id": "1"}).encode())
    response = api.post(URL, json.dumps({"platform": "jd", "order_id": "1"}), content_type="application/json",
                        HTTP_IDEMPOTENCY_KEY="busy")
    assert response.status_code == 409 and response.json()["code"] == "idempotency_key_in_flight"


def test_expired_idempotency_keys_are_forgotten(api, orders, workspace):
    from datetime import timedelta

    from django.utils import timezone

    from apps.core import idempotency
    from apps.core.models import IdempotencyKey

    post(api, URL, {"platform": "jd", "order_id": "1"}, HTTP_IDEMPOTENCY_KEY="old")
    IdempotencyKey.objects.update(created_at=timezone.now() - timedelta(hours=25))
    assert idempotency.purge_expired() == 1


def test_history_endpoint(api, orders):
    record = post(api, URL, {"platform": "jd", "order_id": "1", "qty": 1}).json()
    api.patch(f"{URL}{record['id']}/", {"qty": 2}, format="json")
    history = api.get(f"{URL}{record['id']}/history/").json()["results"]
    assert [h["action"] for h in history] == ["updated", "created"]
