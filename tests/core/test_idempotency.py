"""``Idempotency-Key``: a key belongs to its caller, secrets are never kept, a dead claim does not block a retry."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import ApiToken, Role
from apps.accounts.services import resolve_token
from apps.core import idempotency
from apps.core.models import IdempotencyKey
from apps.forms.models import Record

TOKENS = "/api/v1/tokens/"
FIELDS = [{"key": "order_id", "type": "text"}]


def post(client: APIClient, url: str, body: dict, key: str):
    return client.post(url, json.dumps(body), content_type="application/json", HTTP_IDEMPOTENCY_KEY=key)


def stored_answers() -> str:
    return json.dumps(list(IdempotencyKey.objects.values_list("response", flat=True)))


@pytest.fixture
def member(make, workspace):
    return make.member(workspace, role=Role.MEMBER)


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, FIELDS, key="orders")


def records_url(form) -> str:
    return f"/api/v1/forms/{form.key}/records/"


def test_a_member_repeating_the_owners_key_gets_a_token_of_their_own_not_the_owners(api, make, member):
    # given the owner created a token with an Idempotency-Key
    first = post(api, TOKENS, {"name": "ci"}, "owner-key")
    assert first.status_code == 201
    # when another member sends the same key and body
    theirs = post(make.client(member), TOKENS, {"name": "ci"}, "owner-key")
    # then they get a fresh claim and a token of their own, never the owner's answer
    assert theirs.status_code == 201 and "Idempotent-Replayed" not in theirs.headers
    assert theirs.json()["token"] != first.json()["token"]
    assert resolve_token(theirs.json()["token"]).member == member
    assert first.json()["token"] not in theirs.content.decode()


def test_two_tokens_of_one_member_and_their_session_each_have_their_own_keys(api, make, owner, orders):
    other_token = make.client(owner)
    session = APIClient()
    session.force_login(owner.user)
    answers = [post(client, records_url(orders), {"order_id": "A-1"}, "same")
               for client in (api, other_token, session)]
    assert [a.status_code for a in answers] == [201, 201, 201]
    assert len({a.json()["id"] for a in answers}) == 3
    assert IdempotencyKey.objects.filter(key="same").values("principal").distinct().count() == 3


def test_the_raw_token_is_never_stored_and_a_replay_says_it_was_shown_once(api):
    first = post(api, TOKENS, {"name": "ci"}, "mine")
    raw = first.json()["token"]
    assert raw not in stored_answers()

    again = post(api, TOKENS, {"name": "ci"}, "mine")

    assert again.status_code == 201 and again.headers["Idempotent-Replayed"] == "true"
    body = again.json()
    assert body["id"] == first.json()["id"] and body["token"] is None
    assert "token" in body["warning"] and "only once" in body["warning"]
    assert ApiToken.objects.filter(name="ci").count() == 1


def test_endpoint_and_subscription_secrets_are_not_stored_either(api, orders):
    endpoint = post(api, "/api/v1/endpoints/", {"key": "shop", "form": "orders",
                                                "mapping": {"order_id": "{{ body.id }}"}}, "e1")
    rotated = post(api, "/api/v1/endpoints/shop/rotate-secret/", {}, "e2")
    subscription = post(api, "/api/v1/subscriptions/", {"key": "erp", "url": "https://erp.example.com/hook",
                                                        "events": ["record.created"]}, "s1")
    sub_rotated = post(api, "/api/v1/subscriptions/erp/rotate-secret/", {}, "s2")
    answers = [endpoint, rotated, subscription, sub_rotated]
    assert [a.status_code for a in answers] == [201, 200, 201, 200], [a.json() for a in answers]
    stored = stored_answers()
    for answer in answers:
        assert answer.json()["secret"] and answer.json()["secret"] not in stored
    replay = post(api, "/api/v1/subscriptions/erp/rotate-secret/", {}, "s2")
    assert replay.headers["Idempotent-Replayed"] == "true" and replay.json()["secret"] is None
    assert "secret" in replay.json()["warning"]


def test_a_claim_whose_lease_ran_out_is_taken_over_by_a_retry(api, owner, orders, workspace):
    # given a request that claimed the key and died with its process (its write rolled back)
    body = {"order_id": "A-1"}
    token = ApiToken.objects.get(member=owner)
    claim = idempotency.begin(workspace.pk, idempotency.principal_of(owner.pk, token.pk), "retry", "POST",
                              records_url(orders), json.dumps(body).encode())
    assert post(api, records_url(orders), body, "retry").status_code == 409  # still within its lease
    IdempotencyKey.objects.filter(pk=claim.pk).update(leased_until=timezone.now() - timedelta(seconds=1))
    # when the client retries after the lease
    retried = post(api, records_url(orders), body, "retry")
    # then the retry runs, once, and its answer is the one kept
    assert retried.status_code == 201
    assert Record.objects.count() == 1
    assert post(api, records_url(orders), body, "retry").json() == retried.json()
    assert IdempotencyKey.objects.get(pk=claim.pk).attempt == 2


def test_a_request_whose_claim_was_taken_over_writes_nothing(api, orders, monkeypatch):
    from apps.forms.api import views

    real = views.record_services.create_record

    def taken_over_meanwhile(*args, **kwargs):
        IdempotencyKey.objects.filter(key="slow").update(attempt=2)  # a retry took the lapsed claim
        return real(*args, **kwargs)

    monkeypatch.setattr(views.record_services, "create_record", taken_over_meanwhile)
    answer = post(api, records_url(orders), {"order_id": "A-1"}, "slow")
    assert answer.status_code == 409 and answer.json()["code"] == "idempotency_key_in_flight"
    assert Record.objects.count() == 0


def test_a_server_error_releases_the_key_and_rolls_back_the_write(api, orders, monkeypatch):
    from apps.forms.api import views

    real = views.record_services.create_record

    def fails_after_writing(*args, **kwargs):
        real(*args, **kwargs)
        raise RuntimeError("the disk is full")

    monkeypatch.setattr(views.record_services, "create_record", fails_after_writing)
    api.raise_request_exception = False
    assert post(api, records_url(orders), {"order_id": "A-1"}, "boom").status_code == 500
    assert Record.objects.count() == 0 and not IdempotencyKey.objects.filter(key="boom").exists()
    monkeypatch.setattr(views.record_services, "create_record", real)
    assert post(api, records_url(orders), {"order_id": "A-1"}, "boom").status_code == 201


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_a_slow_request_still_running_is_not_taken_over_when_its_lease_runs_out(make):
    import threading

    from django.db import connection, transaction

    workspace = make.workspace()
    owner = make.owner(workspace)
    orders = make.form(workspace, FIELDS, key="orders")
    api = make.client(owner)
    token = ApiToken.objects.get(member=owner)
    body = {"order_id": "A-1"}
    claim = idempotency.begin(workspace.pk, idempotency.principal_of(owner.pk, token.pk), "slow", "POST",
                              records_url(orders), json.dumps(body).encode())
    IdempotencyKey.objects.filter(pk=claim.pk).update(leased_until=timezone.now() - timedelta(seconds=1))
    holding, done = threading.Event(), threading.Event()

    def slow_request() -> None:
        try:
            with transaction.atomic():
                idempotency.hold(claim)
                holding.set()
                done.wait(30)
        finally:
            connection.close()

    thread = threading.Thread(target=slow_request)
    thread.start()
    try:
        assert holding.wait(30)
        assert post(api, records_url(orders), body, "slow").status_code == 409
    finally:
        done.set()
        thread.join(30)
    assert IdempotencyKey.objects.get(pk=claim.pk).attempt == 1 and Record.objects.count() == 0
