"""Outbox events become messages, one per (enabled subscription that wants it, event), exactly once.

This runs inside the dispatcher's batch transaction: the messages commit with
the batch being marked dispatched, or roll back with it and are made again on
the next dispatch. The unique (subscription, event) constraint turns a second
dispatch of the same event (a re-dispatch, or two dispatchers racing on a
database without SKIP LOCKED) into nothing instead of a duplicate.
"""

from __future__ import annotations

import logging
import secrets
from collections import defaultdict

from django.db import DatabaseError
from django.utils import timezone

from apps.forms.models import Event, Form

from ..models import Message, Subscription
from .kick import deliver_after_commit
from .payloads import event_payload

log = logging.getLogger(__name__)


def new_message_id() -> str:
    return "msg_" + secrets.token_hex(16)


def fan_out(events: list[Event]) -> int:
    """Make the messages of a batch of events; returns how many were new."""
    wanted = _subscriptions({e.workspace_id for e in events})
    if not wanted:
        return 0
    forms = Form.objects.in_bulk({e.form_id for e in events if e.form_id})
    now = timezone.now()
    messages: list[Message] = []
    for event in events:
        targets = [sub for sub in wanted.get(event.workspace_id, []) if _wants(sub, event)]
        if not targets:
            continue
        try:
            payload = event_payload(event, forms.get(event.form_id))
        except DatabaseError:
            raise
        except Exception:  # one odd event must not hold back the batch behind it
            log.exception("building the outbound payload of event %s failed; it is not sent", event.pk)
            continue
        messages.extend(Message(workspace_id=event.workspace_id, subscription=sub, message_id=new_message_id(),
                                event_type=event.type, event=event, payload=payload, next_attempt_at=now)
                        for sub in targets)
    if not messages:
        return 0
    existing = set(Message.objects.filter(event__in=[m.event_id for m in messages])
                   .values_list("subscription_id", "event_id"))
    fresh = [m for m in messages if (m.subscription_id, m.event_id) not in existing]
    Message.objects.bulk_create(fresh, batch_size=500, ignore_conflicts=True)
    if fresh:
        deliver_after_commit()
    return len(fresh)


def _subscriptions(workspace_ids: set[int]) -> dict[int, list[Subscription]]:
    found: dict[int, list[Subscription]] = defaultdict(list)
    subs = list(Subscription.objects.filter(workspace_id__in=workspace_ids, enabled=True).order_by("id"))
    if not subs:
        return found
    narrowed: dict[int, set[int]] = defaultdict(set)
    for sub_id, form_id in Subscription.forms.through.objects.filter(subscription__in=subs).values_list(
            "subscription_id", "form_id"):
        narrowed[sub_id].add(form_id)
    for sub in subs:
        sub.form_ids = narrowed.get(sub.pk, set())
        found[sub.workspace_id].append(sub)
    return found


def _wants(sub: Subscription, event: Event) -> bool:
    if event.type not in (sub.events or []):
        return False
    return not (event.form_id and sub.form_ids and event.form_id not in sub.form_ids)
