"""Sending due messages: claim one with a lease, send it, log the attempt, schedule the next or finish.

Due means pending, ``next_attempt_at`` reached, its subscription enabled and
no live lease. The claim is a short transaction (SKIP LOCKED on PostgreSQL,
so workers take different messages; SQLite serialises writers); the request
is made outside any transaction; the outcome is written in one. ``now`` is
the clock of the schedule (tests move it instead of sleeping); leases follow
the real clock.
"""

from __future__ import annotations

import secrets
import time
from datetime import datetime, timedelta

from django.db import connection, transaction
from django.db.models import F, Q
from django.utils import timezone

from ..models import Attempt, Message, MessageStatus
from . import backoff, health
from .errors import MessageBusy
from .sender import Outcome, send

LEASE = timedelta(seconds=60)


def _free(real_now: datetime) -> Q:
    return Q(lease_expires_at__isnull=True) | Q(lease_expires_at__lt=real_now)


def due(now: datetime):
    return Message.objects.filter(status=MessageStatus.PENDING, next_attempt_at__lte=now,
                                  subscription__enabled=True).filter(_free(timezone.now()))


def claim_next(now: datetime) -> tuple[Message, str] | None:
    """Lease the message that has been due longest; None when nothing is due."""
    for _try in range(3):
        with transaction.atomic():
            candidates = due(now).order_by("next_attempt_at", "id")
            if connection.features.has_select_for_update_skip_locked:
                candidates = candidates.select_for_update(skip_locked=True, of=("self",))
            pk = candidates.values_list("pk", flat=True).first()
            if pk is None:
                return None
            token = _lease(Q(status=MessageStatus.PENDING, pk=pk))
        if token:
            return _load(pk), token
    return None


def claim(message: Message) -> str:
    """Lease one message whatever its status (a person asked to send it); raises MessageBusy if leased."""
    token = _lease(Q(pk=message.pk))
    if not token:
        raise MessageBusy()
    return token


def _lease(condition: Q) -> str:
    real_now = timezone.now()
    token = secrets.token_hex(8)
    taken = Message.objects.filter(condition).filter(_free(real_now)).update(
        lease_token=token, lease_expires_at=real_now + LEASE)
    return token if taken else ""


def _load(pk: int) -> Message:
    return Message.objects.select_related("subscription", "subscription__workspace").get(pk=pk)


def deliver_due(*, now: datetime | None = None, limit: int = 200, budget_seconds: float = 20.0) -> int:
    """Send due messages one at a time until none is due, ``limit`` is reached or the time budget is spent."""
    stop = time.monotonic() + budget_seconds
    sent = 0
    while sent < limit and time.monotonic() < stop:
        at = now or timezone.now()
        claimed = claim_next(at)
        if claimed is None:
            break
        message, token = claimed
        attempt(message, token, now=at)
        sent += 1
    return sent


def send_now(message: Message, *, now: datetime | None = None, final: bool = False) -> Attempt:
    """A manual attempt now, for a message in any status; its failure does not count towards disabling."""
    token = claim(message)
    return attempt(_load(message.pk), token, now=now or timezone.now(), manual=True, final=final)


def attempt(message: Message, token: str, *, now: datetime, manual: bool = False, final: bool = False) -> Attempt:
    """Send ``message`` (leased with ``token``) and record what happened.

    ``final``: no automatic retry follows a failure (a ping).
    """
    subscription = message.subscription
    outcome = send(subscription, message, now)
    with transaction.atomic():
        row = Attempt.objects.create(message=message, started_at=now, status_code=outcome.status_code,
                                     latency_ms=outcome.latency_ms, succeeded=outcome.succeeded,
                                     error=outcome.error[:1000], response_excerpt=outcome.excerpt, manual=manual)
        Message.objects.filter(pk=message.pk, lease_token=token).update(
            **_next_state(message, outcome, now, manual=manual, final=final))
        if outcome.succeeded:
            health.succeeded(subscription.pk)
        elif not manual:
            health.failed(subscription.pk, outcome.error, now)
    return row


def _next_state(message: Message, outcome: Outcome, now: datetime, *, manual: bool, final: bool) -> dict:
    fields = {"attempts": F("attempts") + 1, "last_status_code": outcome.status_code,
              "last_error": outcome.error[:1000], "lease_token": "", "lease_expires_at": None}
    if outcome.succeeded:
        return {**fields, "status": MessageStatus.SUCCEEDED, "finished_at": now, "next_attempt_at": None}
    if final:
        return {**fields, "status": MessageStatus.FAILED, "finished_at": now, "next_attempt_at": None}
    if manual or message.status != MessageStatus.PENDING:
        return fields
    following = backoff.next_attempt_at(message.created_at, now, message.attempts + 1,
                                        retry_after=outcome.retry_after)
    if following is None:
        return {**fields, "status": MessageStatus.FAILED, "finished_at": now, "next_attempt_at": None}
    return {**fields, "next_attempt_at": following}
