"""``Idempotency-Key`` handling for API writes.

A key is claimed in its own committed row before the write runs, so a
concurrent repeat sees it in flight (409); a finished one replays its stored
response; the same key with another body is refused (422).
"""

from __future__ import annotations

import hashlib
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .errors import Conflict, Unprocessable
from .models import IdempotencyKey

MAX_KEY_LENGTH = 255


class KeyInFlight(Conflict):
    code = "idempotency_key_in_flight"
    default_message = _("A request with this Idempotency-Key is still being processed; retry later.")


class KeyReused(Unprocessable):
    code = "idempotency_key_reused"
    default_message = _("This Idempotency-Key was used for a different request.")


class InvalidKey(Unprocessable):
    code = "idempotency_key_invalid"
    default_message = _("The Idempotency-Key header must be 1 to 255 printable characters.")


class Replay(Exception):
    def __init__(self, status: int, body: Any):
        self.status = status
        self.body = body


def ttl() -> timedelta:
    return timedelta(seconds=settings.WEFT["IDEMPOTENCY_TTL_SECONDS"])


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


def begin(workspace_id: int, key: str, method: str, path: str, body: bytes) -> IdempotencyKey:
    """Claim ``key`` or raise Replay / KeyInFlight / KeyReused."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidKey()
    print_ = fingerprint(method, path, body)
    for _attempt in range(2):
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(workspace_id=workspace_id, key=key, method=method,
                                                     path=path[:500], fingerprint=print_)
        except IntegrityError:
            pass
        existing = IdempotencyKey.objects.filter(workspace_id=workspace_id, key=key).first()
        if existing is None:
            continue
        if existing.created_at < timezone.now() - ttl():
            existing.delete()
            continue
        if existing.fingerprint != print_:
            raise KeyReused()
        if existing.state == IdempotencyKey.State.IN_FLIGHT:
            raise KeyInFlight()
        raise Replay(existing.status_code or 200, existing.response)
    raise KeyInFlight()


def complete(claim: IdempotencyKey, status: int, body: Any) -> None:
    IdempotencyKey.objects.filter(pk=claim.pk).update(state=IdempotencyKey.State.DONE, status_code=status,
                                                      response=body)


def release(claim: IdempotencyKey) -> None:
    """Forget a claim whose request failed unexpectedly, so that a retry can run."""
    IdempotencyKey.objects.filter(pk=claim.pk).delete()


def purge_expired() -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - ttl()).delete()
    return deleted
