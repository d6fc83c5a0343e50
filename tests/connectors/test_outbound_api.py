"""The subscriptions API: validation by path, the secret shown twice only, roles, isolation, messages, actions."""

from __future__ import annotations

import pytest

from apps.connectors.models import Message, MessageStatus, Subscription
from apps.connectors.outbound import delivery
from apps.core.signing import signature_matches
from tests.connectors import test_outbound_signing as shared
from tests.connectors.test_outbound_signing import deliver

# Fixtures of the outbound tests, defined once with the receiver and requested by name.
fresh_subscribers, orders, reachable, receiver, subscribe = (
    shared.fresh_subscribers, shared.orders, shared.reachable, shared.receiver, shared.subscribe)

BASE = "/api/v1/subscriptions/"


@pytest.fixture
def created(api, orders, receiver) -> dict:
    response = api.post(BASE, {"key": "erp", "name": "ERP", "url": receiver.url + "/erp",
                               "events": ["record.created", "run.failed"], "forms": ["orders"],
                               "headers": {"Authorization": "Bearer t0ken"}, "failure_threshold": 5},
                        format="json")
    assert response.status_code == 201, response.json()
    return response.json()


def test_create_answers_the_secret_once_and_reads_never_show_it(api, created):
    assert created["secret"].startswith("whsec_")
    assert created["key"] == "erp" and created["forms"] == ["orders"] and created["enabled"] is True
    assert created["events"] == ["record.created", "run.failed"] and created["failure_threshold"] == 5
    shown = api.get(BASE + "erp/").json()
    listed = api.get(BASE).json()["results"]
    assert "secret" not in shown and all("secret" not in s for s in listed)
    assert created["secret"] not in str(api.get(BASE).content)
    assert shown["headers"] == {"Authorization": "Bearer t0ken"}


def test_errors_name_the_field_at_fault(api, make, orders):
    theirs = make.form(make.workspace(), key="invoices")
    response = api.post(BASE, {"key": "bad key!", "url": "ftp://example.com/x",
                               "events": ["record.created", "record.exploded", "record.created"],
                               "forms": ["invoices", "orders", 7], "headers": {"webhook-id": "mine", "X-Ok": "1",
                                                                               "Bad Name": "x"},
                               "failure_threshold": 0, "colour": "red"}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert theirs.key == "invoices"  # exists, but in another workspace: unknown here
    assert set(errors) == {"key", "url", "events[1]", "events[2]", "forms[0]", "forms[2]", "headers.webhook-id",
                           "headers.Bad Name", "failure_threshold", "colour"}
    assert "invoices" in errors["forms[0]"][0]
    assert "http" in errors["url"][0]
    assert not Subscription.objects.exists()


@pytest.mark.parametrize("url", ["", "example.com/hook", "http://", "https://user:pw@example.com/", "javascript:x"])
def test_the_url_must_be_http_or_https_with_a_host(api, url):
    response = api.post(BASE, {"key": "x", "url": url, "events": ["record.created"]}, format="json")
    assert response.status_code == 400 and "url" in response.json()["errors"]


def test_a_taken_key_is_a_conflict_on_the_key(api, created, receiver):
    response = api.post(BASE, {"key": "erp", "url": receiver.url, "events": ["record.created"]}, format="json")
    assert response.status_code == 409 and "key" in response.json()["errors"]


def test_put_replaces_the_settings_and_keeps_the_secret(api, created, receiver):
    before = Subscription.objects.get(key="erp").secret
    response = api.put(BASE + "erp/", {"name": "ERP 2", "url": receiver.url + "/v2", "events": ["run.succeeded"]},
                       format="json")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["url"].endswith("/v2") and data["events"] == ["run.succeeded"] and data["forms"] == []
    assert data["headers"] == {} and data["failure_threshold"] == 20 and "secret" not in data
    assert Subscription.objects.get(key="erp").secret == before

    echoed = api.put(BASE + "erp/", {**api.get(BASE + "erp/").json(), "key": "other"}, format="json")
    assert echoed.status_code == 400 and set(echoed.json()["errors"]) == {"key"}


def test_rotate_answers_a_new_secret_and_delete_removes(api, created):
    rotated = api.post(BASE + "erp/rotate-secret/").json()
    assert rotated["secret"].startswith("whsec_") and rotated["secret"] != created["secret"]
    assert Subscription.objects.get(key="erp").secret == rotated["secret"]
    assert api.delete(BASE + "erp/").status_code == 204
    assert api.get(BASE + "erp/").status_code == 404


def test_disable_and_enable(api, created):
    assert api.post(BASE + "erp/disable/").json()["enabled"] is False
    Subscription.objects.filter(key="erp").update(consecutive_failures=4, disabled_reason="too many")
    enabled = api.post(BASE + "erp/enable/").json()
    assert enabled["enabled"] is True and enabled["consecutive_failures"] == 0 and enabled["disabled_reason"] == ""


def test_the_test_action_sends_a_signed_ping_now(api, created, receiver, reachable):
    response = api.post(BASE + "erp/test/")
    assert response.status_code == 200, response.json()
    message = response.json()
    assert message["event_type"] == "ping" and message["status"] == "succeeded"
    assert [a["status_code"] for a in message["attempt_log"]] == [200] and message["attempt_log"][0]["manual"]
    (request,) = receiver.calls("/erp")
    headers = request["headers"]
    assert headers["authorization"] == "Bearer t0ken"
    assert signature_matches(created["secret"], headers["webhook-id"], int(headers["webhook-timestamp"]),
                             request["body"], headers["webhook-signature"])


def test_a_failed_ping_is_reported_and_not_retried(api, created, receiver, reachable):
    receiver.answer("/erp", (404, {"error": "no such hook"}))
    message = api.post(BASE + "erp/test/").json()
    assert message["status"] == "failed" and message["last_status_code"] == 404
    assert "no such hook" in message["attempt_log"][0]["response_excerpt"]
    assert delivery.deliver_due() == 0
    assert Subscription.objects.get(key="erp").consecutive_failures == 0


def test_messages_are_listed_newest_first_by_status_a_page_at_a_time(api, make, orders, created, receiver,
                                                                     reachable):
    receiver.answer("/erp", (200, {"ok": True}), (500, "down"))
    for i in range(5):
        make.record(orders, {"title": str(i)})
    deliver()
    page = api.get(BASE + "erp/messages/?limit=2").json()
    everything = list(Message.objects.filter(subscription__key="erp").order_by("-id"))
    assert [m["id"] for m in page["results"]] == [m.message_id for m in everything[:2]]
    rest = api.get(BASE + f"erp/messages/?limit=2&before={page['next_before']}").json()
    last = api.get(BASE + f"erp/messages/?limit=2&before={rest['next_before']}").json()
    assert [m["id"] for m in rest["results"] + last["results"]] == [m.message_id for m in everything[2:]]
    assert last["next_before"] is None

    done = api.get(BASE + "erp/messages/?status=succeeded").json()["results"]
    assert len(done) == 1 and done[0]["attempt_log"][0]["status_code"] == 200
    assert done[0]["payload"]["type"] == "record.created"
    waiting = api.get(BASE + "erp/messages/?status=pending,failed").json()["results"]
    assert len(waiting) == 4 and all(m["attempt_log"][0]["status_code"] == 500 for m in waiting)
    assert api.get(BASE + "erp/messages/?status=lost").json()["errors"].keys() == {"status"}
    assert api.get(BASE + "erp/messages/?before=x").json()["errors"].keys() == {"before"}


def test_redeliver_makes_a_manual_attempt_now(api, make, orders, created, receiver, reachable):
    make.record(orders, {"title": "A"})
    deliver()
    message = Message.objects.get(subscription__key="erp")
    response = api.post(f"/api/v1/messages/{message.message_id}/redeliver/")
    assert response.status_code == 200, response.json()
    data = response.json()
    assert data["attempt"]["manual"] and data["attempt"]["status_code"] == 200
    assert data["message"]["status"] == MessageStatus.SUCCEEDED and len(data["message"]["attempt_log"]) == 2
    assert len(receiver.calls("/erp")) == 2


def test_members_neither_read_nor_write_subscriptions(make, workspace, created, orders):
    member = make.client(make.member(workspace, role="member"))
    for url in (BASE, BASE + "erp/", BASE + "erp/messages/"):
        assert member.get(url).status_code == 403, url
    message = Message.objects.create(workspace=workspace, subscription=Subscription.objects.get(key="erp"),
                                     message_id="msg_member", event_type="ping", payload={})
    for method, url in [("post", BASE), ("put", BASE + "erp/"), ("delete", BASE + "erp/"),
                        ("post", BASE + "erp/disable/"), ("post", BASE + "erp/rotate-secret/"),
                        ("post", BASE + "erp/test/"), ("post", f"/api/v1/messages/{message.message_id}/redeliver/")]:
        response = getattr(member, method)(url, {"key": "x", "url": "https://example.com", "events": ["ping"]},
                                           format="json")
        assert response.status_code == 403, (method, url)
    builder = make.client(make.member(workspace, role="builder"))
    assert builder.get(BASE + "erp/").json()["headers"] == {"Authorization": "Bearer t0ken"}
    assert builder.post(BASE + "erp/disable/").status_code == 200


def test_another_workspaces_subscriptions_and_messages_answer_404(api, make):
    other = make.workspace()
    theirs = make.subscription(other, key="theirs")
    message = Message.objects.create(workspace=other, subscription=theirs, message_id="msg_theirs",
                                     event_type="ping", payload={})
    for method, url in [("get", BASE + "theirs/"), ("put", BASE + "theirs/"), ("delete", BASE + "theirs/"),
                        ("post", BASE + "theirs/enable/"), ("post", BASE + "theirs/disable/"),
                        ("post", BASE + "theirs/rotate-secret/"), ("post", BASE + "theirs/test/"),
                        ("get", BASE + "theirs/messages/"),
                        ("post", f"/api/v1/messages/{message.message_id}/redeliver/")]:
        response = getattr(api, method)(url, {"url": "https://example.com", "events": ["record.created"]},
                                        format="json")
        assert response.status_code == 404, (method, url, response.status_code)
    assert api.get(BASE).json()["results"] == []
    assert Subscription.objects.filter(pk=theirs.pk, enabled=True).exists()


def test_a_message_being_sent_cannot_be_redelivered_at_the_same_time(api, make, orders, created):
    make.record(orders, {"title": "A"})
    from apps.core.outbox import dispatch_pending

    dispatch_pending()
    message = Message.objects.get(subscription__key="erp")
    assert delivery.claim_next(message.next_attempt_at) is not None
    response = api.post(f"/api/v1/messages/{message.message_id}/redeliver/")
    assert response.status_code == 409 and response.json()["code"] == "message_busy"
