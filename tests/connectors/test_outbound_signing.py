"""Outbound messages signed the Standard Webhooks way, and the receiver and fixtures of every outbound test.

The receiver is a real HTTP server on 127.0.0.1 (``loopback``). The HTTP client refuses
loopback unless allowed, so ``reachable`` allows it through the setting;
tests of the refusal leave it out.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from apps.connectors.models import Message, MessageStatus, Subscription
from apps.connectors.outbound import subscribers
from apps.connectors.outbound.delivery import deliver_due
from apps.connectors.outbound.subscriptions import create_subscription, rotate_secret
from apps.core.outbox import dispatch_pending
from apps.core.signing import signature_matches
from tests.support.loopback import LoopbackServer

ORDER_FIELDS = [{"key": "title", "type": "text"}, {"key": "total", "type": "decimal", "decimal_places": 2},
                {"key": "stock", "type": "counter", "min": 0}]


@pytest.fixture
def receiver(loopback) -> LoopbackServer:
    """Answers ``200 {"ok": true}`` unless told otherwise: ``receiver.answer(path, (status, body[, headers]), ...)``."""
    return loopback


@pytest.fixture
def reachable(settings) -> None:
    """The receiver on loopback may be called (through the allow-list, not by turning the guard off)."""
    settings.WEFT_HTTP_ALLOW_PRIVATE = False
    settings.WEFT_HTTP_ALLOWED_HOSTS = ["127.0.0.1"]


@pytest.fixture(autouse=True)
def fresh_subscribers() -> Iterator[None]:
    """Which workspaces want run events is cached per process; each test starts from the database."""
    subscribers.clear()
    yield
    subscribers.clear()


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, ORDER_FIELDS, key="orders")


@pytest.fixture
def subscribe(workspace, owner, receiver) -> Callable[..., tuple[Subscription, str]]:
    """``subscribe(path, events=[...], **fields)``: a subscription made by the service, and its secret."""
    made = iter(range(1, 1000))

    def create(path: str = "/hook", *, events: list[str] | None = None, ws=None, member=None,
               **fields: Any) -> tuple[Subscription, str]:
        data = {"key": f"sub-{next(made)}", "url": receiver.url + path, "events": events or ["record.created"],
                **fields}
        return create_subscription(ws or workspace, data, member=member or owner)

    return create


def verified(request: dict, secret: str) -> bool:
    headers = request["headers"]
    return signature_matches(secret, headers["webhook-id"], int(headers["webhook-timestamp"]), request["body"],
                             headers["webhook-signature"])


def deliver(now=None) -> int:
    """Dispatch the outbox (fan-out happens there), then send whatever is due."""
    dispatch_pending()
    return deliver_due(now=now)


def test_a_record_change_is_delivered_once_signed_so_the_receiver_can_verify_it(make, orders, owner, subscribe,
                                                                               receiver, reachable):
    sub, secret = subscribe("/erp", headers={"X-Shop": "north"})
    record = make.record(orders, {"title": "A-1", "total": "12.50"})

    assert deliver() == 1
    assert deliver() == 0  # nothing left: the message went once

    (request,) = receiver.calls("/erp")
    message = Message.objects.get(subscription=sub)
    headers = request["headers"]
    assert headers["webhook-id"] == message.message_id and message.message_id.startswith("msg_")
    assert verified(request, secret)
    assert not verified(request, secret.replace(secret[-6:-2], "AAAA"))
    assert headers["content-type"] == "application/json" and headers["user-agent"] == "Weft"
    assert headers["x-shop"] == "north"
    body = json.loads(request["body"])
    assert body["type"] == "record.created" and body["timestamp"]
    assert body["data"]["form"] == "orders"
    assert body["data"]["record"] == {"id": record.pk, "form": "orders", "version": 1,
                                      "data": {"title": "A-1", "total": "12.50", "stock": 0}}
    assert message.status == MessageStatus.SUCCEEDED and message.attempts == 1
    assert message.attempt_log.get().status_code == 200


def test_the_timestamp_is_the_attempts_and_the_signature_covers_it(make, orders, subscribe, receiver, reachable):
    _sub, secret = subscribe("/erp")
    make.record(orders, {"title": "A-1"})
    later = timezone.now() + timedelta(minutes=3)
    deliver(now=later)

    (request,) = receiver.calls("/erp")
    assert int(request["headers"]["webhook-timestamp"]) == int(later.timestamp())
    tampered = {**request, "headers": {**request["headers"], "webhook-timestamp": str(int(later.timestamp()) + 1)}}
    assert verified(request, secret) and not verified(tampered, secret)


def test_after_a_rotation_both_secrets_sign_until_the_overlap_ends(make, orders, owner, subscribe, receiver,
                                                                  reachable):
    sub, old = subscribe("/erp")
    sub, new = rotate_secret(sub, member=owner)
    assert new != old and new.startswith("whsec_")

    make.record(orders, {"title": "during the overlap"})
    deliver()
    Subscription.objects.filter(pk=sub.pk).update(previous_secret_expires_at=timezone.now() - timedelta(seconds=1))
    make.record(orders, {"title": "after it"})
    deliver()

    during, after = receiver.calls("/erp")
    assert len(during["headers"]["webhook-signature"].split()) == 2
    assert verified(during, old) and verified(during, new)
    assert len(after["headers"]["webhook-signature"].split()) == 1
    assert verified(after, new) and not verified(after, old)
