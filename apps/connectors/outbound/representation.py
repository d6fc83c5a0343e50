"""Subscriptions, messages and attempts as the API shows them (never the secret)."""

from __future__ import annotations

from datetime import datetime

from ..models import Attempt, Message, Subscription

HIDDEN = "********"


def _time(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def subscription_to_api(sub: Subscription, *, reveal_headers: bool = True) -> dict:
    """``reveal_headers``: header values often hold credentials, so only builders see them."""
    headers = dict(sub.headers or {}) if reveal_headers else {name: HIDDEN for name in sub.headers or {}}
    return {"key": sub.key, "name": sub.name, "url": sub.url, "events": list(sub.events or []),
            "forms": sorted(f.key for f in sub.forms.all()), "headers": headers,
            "enabled": sub.enabled, "failure_threshold": sub.failure_threshold,
            "consecutive_failures": sub.consecutive_failures, "disabled_at": _time(sub.disabled_at),
            "disabled_reason": sub.disabled_reason, "created_at": _time(sub.created_at),
            "updated_at": _time(sub.updated_at)}


def attempt_to_api(attempt: Attempt) -> dict:
    return {"started_at": _time(attempt.started_at), "status_code": attempt.status_code,
            "latency_ms": attempt.latency_ms, "succeeded": attempt.succeeded, "error": attempt.error,
            "response_excerpt": attempt.response_excerpt, "manual": attempt.manual}


def message_to_api(message: Message) -> dict:
    return {"id": message.message_id, "event_type": message.event_type, "event": message.event_id,
            "status": message.status, "attempts": message.attempts,
            "next_attempt_at": _time(message.next_attempt_at), "last_status_code": message.last_status_code,
            "last_error": message.last_error, "created_at": _time(message.created_at),
            "finished_at": _time(message.finished_at), "payload": message.payload,
            "attempt_log": [attempt_to_api(a) for a in message.attempt_log.all()]}
