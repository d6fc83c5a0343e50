"""``Idempotency-Key`` handling for API writes.

A key belongs to one caller (its *principal*: the API token that
authenticated the request, else the member on a session) within a workspace:
two callers using the same key each get their own claim, and nobody replays
another's answer.

A key is claimed in its own committed row before the write runs, so a
concurrent repeat sees it in flight (409); a finished one replays its stored
response; the same key with another body is refused (422). The write and the
stored answer are committed together (see ``WeftAPIView``), and the claim
holds a short lease: when the process serving it dies, the write is rolled
back and a retry takes the claim over once the lease has passed, instead of
answering 409 until the key expires. A request still alive keeps its claim's
row locked, so it is not taken over however slow it is; and should it be, its
answer cannot be stored and its write is rolled back too: never two writes.

Secrets shown once (a raw API token, a signing secret) are never stored: the
view names them in ``secret_fields``, the stored copy holds ``null`` instead,
and a replay says why.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
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


class KeyTakenOver(Conflict):
    code = "idempotency_key_in_flight"
    default_message = _("This request took too long and a retry with the same Idempotency-Key took over; "
                        "nothing was written by it. Retry to get that request's answer.")


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


def lease() -> timedelta:
    return timedelta(seconds=settings.WEFT["IDEMPOTENCY_LEASE_SECONDS"])


def principal_of(member_id: int, token_id: int | None = None) -> str:
    """Who a key belongs to: the API token when one authenticated the request, else the member.

    Two integrations of one member, each with its own token, are two clients
    whose keys must not collide; a session has only the member to go by.
    """
    return f"token:{token_id}" if token_id is not None else f"member:{member_id}"


def fingerprint(method: str, path: str, body: bytes) -> str:
    digest = hashlib.sha256()
    for part in (method.encode(), b"\0", path.encode(), b"\0", body):
        digest.update(part)
    return digest.hexdigest()


def begin(workspace_id: int, principal: str, key: str, method: str, path: str, body: bytes) -> IdempotencyKey:
    """Claim ``key`` for ``principal`` or raise Replay / KeyInFlight / KeyReused."""
    if not key or len(key) > MAX_KEY_LENGTH or not key.isprintable():
        raise InvalidKey()
    print_ = fingerprint(method, path, body)
    mine = IdempotencyKey.objects.filter(workspace_id=workspace_id, principal=principal, key=key)
    for _attempt in range(3):
        now = timezone.now()
        try:
            with transaction.atomic():
                return IdempotencyKey.objects.create(workspace_id=workspace_id, principal=principal, key=key,
                                                     method=method, path=path[:500], fingerprint=print_,
                                                     leased_until=now + lease())
        except IntegrityError:
            pass
        existing = mine.first()
        if existing is None:
            continue
        if existing.created_at < now - ttl():
            IdempotencyKey.objects.filter(pk=existing.pk, created_at=existing.created_at).delete()
            continue
        if existing.fingerprint != print_:
            raise KeyReused()
        if existing.state == IdempotencyKey.State.DONE:
            raise Replay(existing.status_code or 200, existing.response)
        if existing.leased_until is not None and existing.leased_until > now:
            raise KeyInFlight()
        if _take_over(existing, now):
            return existing
    raise KeyInFlight()


def hold(claim: IdempotencyKey) -> None:
    """Lock the claim's row for the rest of the write's transaction (PostgreSQL; SQLite locks the database).

    A request that is still alive, however slow, is then never taken over:
    its lock goes only with its transaction, or with its connection when the
    process dies.
    """
    list(IdempotencyKey.objects.select_for_update().filter(pk=claim.pk).values_list("pk"))


def _take_over(claim: IdempotencyKey, now) -> bool:
    """Take an in-flight claim whose lease has passed and whose request is gone; only one retry can win it."""
    with transaction.atomic():
        free = (IdempotencyKey.objects.select_for_update(skip_locked=True)
                .filter(pk=claim.pk, state=IdempotencyKey.State.IN_FLIGHT, attempt=claim.attempt)
                .values_list("pk")[:1])
        if not list(free):
            return False
        IdempotencyKey.objects.filter(pk=claim.pk).update(attempt=claim.attempt + 1, leased_until=now + lease())
    claim.attempt += 1
    claim.leased_until = now + lease()
    return True


def stored_copy(body: Any, secret_fields: Iterable[str]) -> Any:
    """``body`` as it may be kept for replays: every secret field present is set to ``None``."""
    if not isinstance(body, dict):
        return body
    return {name: (None if name in secret_fields else value) for name, value in body.items()}


def replayed(body: Any, secret_fields: Iterable[str]) -> Any:
    """A stored answer as it is replayed: a withheld secret comes with a warning saying why."""
    if not isinstance(body, dict):
        return body
    withheld = [name for name in secret_fields if name in body]
    if not withheld:
        return body
    return {**body, "warning": _("Secrets are shown only once: %(fields)s was in the first answer to this "
                                 "Idempotency-Key and is not kept, so this replay cannot show it again.")
            % {"fields": ", ".join(withheld)}}


def complete(claim: IdempotencyKey, status: int, body: Any, secret_fields: Iterable[str] = ()) -> bool:
    """Store the answer if the claim is still this request's; False if a retry took it over.

    Run inside the transaction of the write, so that both are committed or neither.
    """
    return bool(IdempotencyKey.objects.filter(pk=claim.pk, state=IdempotencyKey.State.IN_FLIGHT,
                                              attempt=claim.attempt).update(
        state=IdempotencyKey.State.DONE, status_code=status, response=stored_copy(body, secret_fields)))


def release(claim: IdempotencyKey) -> None:
    """Forget a claim whose request failed unexpectedly, so that a retry can run."""
    IdempotencyKey.objects.filter(pk=claim.pk, state=IdempotencyKey.State.IN_FLIGHT,
                                  attempt=claim.attempt).delete()


def purge_expired() -> int:
    deleted, _ = IdempotencyKey.objects.filter(created_at__lt=timezone.now() - ttl()).delete()
    return deleted
