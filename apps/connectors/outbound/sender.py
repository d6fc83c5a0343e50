"""One signed POST of a message to its subscription's URL, through the guarded HTTP client.

Never raises for the endpoint's sake: an unreachable host, a refused private
address or a timeout is an outcome with an error, like a 500. Redirects are
not followed: a POST turned into a GET elsewhere would read as delivered, so
a 3xx is a failure that asks for the subscription's URL to be updated.
"""

from __future__ import annotations

import json
import logging
import time
from dataclasses import dataclass
from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.services import http_allow_list
from apps.core import http
from apps.core.errors import WeftError
from apps.core.signing import sign
from apps.vault import services as vault

from ..models import Message, Subscription
from .backoff import RETRY_AFTER_STATUSES, parse_retry_after

log = logging.getLogger(__name__)

TIMEOUT_SECONDS = 10.0
EXCERPT_BYTES = 1024
RESERVED_HEADERS = frozenset({"content-type", "content-length", "host", "user-agent", "transfer-encoding",
                              "connection", "webhook-id", "webhook-timestamp", "webhook-signature"})


@dataclass
class Outcome:
    status_code: int | None
    latency_ms: int
    error: str = ""
    excerpt: str = ""
    retry_after: float | None = None

    @property
    def succeeded(self) -> bool:
        return self.status_code is not None and 200 <= self.status_code < 300


def body_of(message: Message) -> bytes:
    return json.dumps(message.payload, ensure_ascii=False, separators=(",", ":")).encode()


def signed_headers(subscription: Subscription, message: Message, body: bytes, now: datetime) -> dict[str, str]:
    """Standard Webhooks headers; during a rotation's overlap, one signature per secret, space-separated."""
    timestamp = int(now.timestamp())
    secrets = [subscription.secret]
    expires = subscription.previous_secret_expires_at
    if subscription.previous_secret and expires is not None and expires > timezone.now():
        secrets.append(subscription.previous_secret)
    workspace = subscription.workspace
    signature = " ".join(sign(vault.resolve_text(workspace, secret), message.message_id, timestamp, body)
                         for secret in secrets)
    own = {k: str(vault.resolve_references(workspace, v)) for k, v in (subscription.headers or {}).items()
           if k.lower() not in RESERVED_HEADERS}
    return {**own, "Content-Type": "application/json", "User-Agent": "Weft", "webhook-id": message.message_id,
            "webhook-timestamp": str(timestamp), "webhook-signature": signature}


def send(subscription: Subscription, message: Message, now: datetime) -> Outcome:
    body = body_of(message)
    allow = http_allow_list(subscription.workspace)
    started = time.monotonic()
    try:
        headers = signed_headers(subscription, message, body, now)
        response = http.request(method="POST", url=subscription.url, headers=headers, body=body,
                                timeout=TIMEOUT_SECONDS, max_bytes=EXCERPT_BYTES, follow_redirects=False,
                                allow=allow)
    except http.HttpError as exc:
        return Outcome(None, _elapsed(started), str(exc)[:1000])
    except WeftError as exc:  # a secret it names was deleted or cannot be read
        return Outcome(None, _elapsed(started), str(exc.message)[:1000])
    except Exception as exc:  # a bug here must cost one attempt, not the delivery loop
        log.exception("sending message %s failed", message.message_id)
        return Outcome(None, _elapsed(started), f"{type(exc).__name__}: {exc}"[:1000])
    excerpt = response.body[:EXCERPT_BYTES].decode("utf-8", errors="replace")
    outcome = Outcome(response.status, _elapsed(started), excerpt=excerpt)
    if not outcome.succeeded:
        outcome.error = _("the endpoint answered HTTP %(status)d") % {"status": response.status}
        if response.status in RETRY_AFTER_STATUSES:
            outcome.retry_after = parse_retry_after(response.headers.get("retry-after"), timezone.now())
    return outcome


def _elapsed(started: float) -> int:
    return int((time.monotonic() - started) * 1000)
