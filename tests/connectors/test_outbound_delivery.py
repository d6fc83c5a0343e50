"""Delivery against a loopback server that fails on purpose: retries, limits, the breaker, redelivery, refusals.

Time is moved by passing ``now`` (the schedule's clock) rather than by sleeping.
"""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from django.utils import timezone

from apps.connectors.models import Attempt, Message, MessageStatus, Subscription
from apps.connectors.outbound import backoff, delivery
from apps.connectors.outbound.errors import MessageBusy
from apps.connectors.outbound.subscriptions import set_enabled
from apps.core.outbox import dispatch_pending
from apps.flows.models import Notification
from tests.connectors import test_outbound_signing as shared
from tests.connectors.test_outbound_signing import deliver

# Fixtures of the outbound tests, defined once with the receiver and requested by name.
fresh_subscribers, orders, reachable, receiver, subscribe = (
    shared.fresh_subscribers, shared.orders, shared.reachable, shared.receiver, shared.subscribe)


def one_message(make, orders, subscribe, path: str = "/erp", **fields):
    sub, _secret = subscribe(path, **fields)
    make.record(orders, {"title": "A"})
    deliver(now=timezone.now() - timedelta(days=1))  # fans out; nothing is due yet in that past
    return sub, Message.objects.get(subscription=sub)


def test_a_failing_endpoint_is_retried_later_each_time_within_its_band_then_success_resets(make, orders,
                                                                                        subscribe, receiver,
                                                                                        reachable):
    receiver.answer("/erp", (500, {"error": "down"}), (502, "bad gateway"), (500, "again"), (500, "again"),
                    (200, {"ok": True}))
    sub, message = one_message(make, orders, subscribe)
    now = message.next_attempt_at
    waits = []
    for failures in range(1, 5):
        assert delivery.deliver_due(now=now) == 1
        message.refresh_from_db()
        wait = (message.next_attempt_at - now).total_seconds()
        low, high = backoff.band(failures)
        assert low <= wait <= high, (failures, wait)
        assert delivery.deliver_due(now=message.next_attempt_at - timedelta(milliseconds=1)) == 0  # not yet due
        assert Subscription.objects.get(pk=sub.pk).consecutive_failures == failures
        waits.append(wait)
        now = message.next_attempt_at
    assert waits == sorted(waits) and len(set(waits)) == 4

    assert delivery.deliver_due(now=now) == 1
    message.refresh_from_db()
    assert message.status == MessageStatus.SUCCEEDED and message.next_attempt_at is None
    assert [a.status_code for a in message.attempt_log.all()] == [500, 502, 500, 500, 200]
    assert Subscription.objects.get(pk=sub.pk).consecutive_failures == 0
    assert len({r["headers"]["webhook-id"] for r in receiver.calls("/erp")}) == 1  # the same id every time


def test_the_jitter_spreads_retries_over_the_whole_band():
    now = timezone.now()
    waits = [(backoff.next_attempt_at(now, now, 3) - now).total_seconds() for _ in range(200)]
    low, high = backoff.band(3)
    assert all(low <= w <= high for w in waits)
    assert min(waits) < low + (high - low) / 4 and max(waits) > high - (high - low) / 4
    assert backoff.band(len(backoff.BANDS) + 5) == backoff.LATER


def test_retry_after_of_a_429_is_respected_up_to_an_hour(make, orders, subscribe, receiver, reachable):
    receiver.answer("/erp", (429, {"slow": "down"}, {"Retry-After": "600"}),
                    (503, "maintenance", {"Retry-After": "86400"}))
    _sub, message = one_message(make, orders, subscribe)
    now = message.next_attempt_at
    delivery.deliver_due(now=now)
    message.refresh_from_db()
    assert (message.next_attempt_at - now).total_seconds() == pytest.approx(600, abs=1)
    now = message.next_attempt_at
    delivery.deliver_due(now=now)
    message.refresh_from_db()
    assert (message.next_attempt_at - now).total_seconds() == pytest.approx(backoff.RETRY_AFTER_MAX, abs=1)
    assert message.last_status_code == 503


def test_after_24_hours_of_failures_the_message_fails_for_good(make, orders, subscribe, receiver, reachable):
    receiver.answer("/erp", (500, "down"))
    _sub, message = one_message(make, orders, subscribe)
    deadline = message.created_at + backoff.MAX_AGE
    Message.objects.filter(pk=message.pk).update(attempts=9)  # in the band of every few hours by now

    delivery.deliver_due(now=deadline - timedelta(minutes=1))
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.next_attempt_at == deadline  # one last try, at 24 h

    delivery.deliver_due(now=deadline)
    message.refresh_from_db()
    assert message.status == MessageStatus.FAILED and message.finished_at == deadline
    assert message.next_attempt_at is None and message.attempts == 11
    assert delivery.deliver_due(now=deadline + timedelta(days=1)) == 0


def test_attempts_log_status_latency_error_and_a_short_excerpt(make, orders, subscribe, receiver, reachable):
    receiver.answer("/erp", (500, b"x" * 3000))
    _sub, message = one_message(make, orders, subscribe)
    delivery.deliver_due(now=message.next_attempt_at)

    attempt = Attempt.objects.get(message=message)
    assert attempt.status_code == 500 and not attempt.succeeded and not attempt.manual
    assert attempt.response_excerpt == "x" * 1024
    assert isinstance(attempt.latency_ms, int) and attempt.latency_ms >= 0
    assert "500" in attempt.error and attempt.started_at == message.next_attempt_at


def test_after_the_threshold_the_subscription_is_disabled_and_its_creator_told(make, workspace, orders, subscribe,
                                                                               receiver, reachable):
    builder = make.member(workspace, role="builder")
    receiver.answer("/erp", (500, "down"))
    sub, _ = subscribe("/erp", failure_threshold=3, member=builder)
    for i in range(3):
        make.record(orders, {"title": str(i)})
    dispatch_pending()
    now = timezone.now()
    assert delivery.deliver_due(now=now) == 3

    sub.refresh_from_db()
    assert not sub.enabled and sub.consecutive_failures == 3
    assert "3" in sub.disabled_reason and "500" in sub.disabled_reason and sub.disabled_at == now
    (note,) = Notification.objects.filter(workspace=workspace)
    assert note.member == builder and sub.name in note.title

    # pending messages wait while it is disabled ...
    later = now + timedelta(days=2)
    assert delivery.deliver_due(now=later) == 0
    assert Message.objects.filter(subscription=sub, status=MessageStatus.PENDING).count() == 3
    # ... and go out once it is enabled again, even past their 24 hours
    receiver.answer("/erp", (200, {"ok": True}))
    set_enabled(sub, True, member=builder)
    assert delivery.deliver_due(now=later) == 3
    assert Message.objects.filter(subscription=sub, status=MessageStatus.SUCCEEDED).count() == 3
    sub.refresh_from_db()
    assert sub.enabled and sub.consecutive_failures == 0 and sub.disabled_reason == ""


def test_without_its_creator_the_workspace_owners_are_told(make, workspace, owner, orders, subscribe, receiver,
                                                           reachable):
    receiver.answer("/erp", (500, "down"))
    sub, _ = subscribe("/erp", failure_threshold=1)
    Subscription.objects.filter(pk=sub.pk).update(created_by=None)
    make.record(orders, {"title": "A"})
    deliver()
    assert list(Notification.objects.filter(workspace=workspace).values_list("member", flat=True)) == [owner.pk]


def test_a_private_address_is_refused_as_a_failed_attempt_until_the_workspace_allows_it(
        make, workspace, orders, subscribe, receiver, settings):
    settings.WEFT_HTTP_ALLOW_PRIVATE = False
    settings.WEFT_HTTP_ALLOWED_HOSTS = []
    _sub, message = one_message(make, orders, subscribe)
    delivery.deliver_due(now=message.next_attempt_at)

    message.refresh_from_db()
    attempt = message.attempt_log.get()
    assert attempt.status_code is None and not attempt.succeeded
    assert "private" in attempt.error and message.last_error == attempt.error
    assert message.status == MessageStatus.PENDING and message.next_attempt_at is not None
    assert receiver.calls("/erp") == []

    workspace.http_allow_list = ["127.0.0.1"]
    workspace.save()
    delivery.deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.SUCCEEDED and len(receiver.calls("/erp")) == 1


def test_a_redirect_is_not_followed_but_reported(make, orders, subscribe, receiver, reachable):
    receiver.answer("/erp", (308, "", {"Location": "/elsewhere"}))
    _sub, message = one_message(make, orders, subscribe)
    delivery.deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.PENDING and message.last_status_code == 308
    assert receiver.calls("/elsewhere") == []


def test_an_unreachable_endpoint_is_a_failed_attempt_not_a_crash(make, orders, subscribe, receiver, reachable):
    _sub, message = one_message(make, orders, subscribe)
    Subscription.objects.filter(pk=message.subscription_id).update(url="http://127.0.0.1:9/closed")
    assert delivery.deliver_due(now=message.next_attempt_at) == 1
    attempt = Attempt.objects.get(message=message)
    assert attempt.status_code is None and attempt.error


def test_a_claimed_message_is_not_claimed_again_until_its_lease_runs_out(make, orders, subscribe, receiver,
                                                                       reachable):
    _sub, message = one_message(make, orders, subscribe)
    now = message.next_attempt_at
    first = delivery.claim_next(now)
    assert first is not None and first[0].pk == message.pk
    assert delivery.claim_next(now) is None
    with pytest.raises(MessageBusy):
        delivery.send_now(message)

    Message.objects.filter(pk=message.pk).update(lease_expires_at=timezone.now() - timedelta(seconds=1))
    second = delivery.claim_next(now)
    assert second is not None and second[1] != first[1]


def test_manual_redelivery_sends_any_message_again_now_and_is_marked_manual(make, orders, subscribe, receiver,
                                                                          reachable):
    sub, message = one_message(make, orders, subscribe, failure_threshold=1)
    delivery.deliver_due(now=message.next_attempt_at)
    message.refresh_from_db()
    assert message.status == MessageStatus.SUCCEEDED

    receiver.answer("/erp", (500, "down"))
    attempt = delivery.send_now(message)
    message.refresh_from_db()
    assert attempt.manual and attempt.status_code == 500
    assert message.status == MessageStatus.SUCCEEDED  # it was delivered; a failed resend does not undo that
    assert Subscription.objects.get(pk=sub.pk).enabled  # manual failures do not count towards disabling

    Message.objects.filter(pk=message.pk).update(status=MessageStatus.FAILED)
    receiver.answer("/erp", (200, {"ok": True}))
    attempt = delivery.send_now(message)
    message.refresh_from_db()
    assert attempt.manual and attempt.succeeded and message.status == MessageStatus.SUCCEEDED
    ids = [r["headers"]["webhook-id"] for r in receiver.calls("/erp")]
    assert ids == [message.message_id] * 3
    assert [json.loads(r["body"]) for r in receiver.calls("/erp")].count(message.payload) == 3
