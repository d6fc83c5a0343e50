"""Accepting a delivery: the hot path, kept to one lookup (cached), one HMAC and one INSERT.

Nothing is processed here. A delivery is answered 2xx only once its raw
headers and body are committed, so an accepted delivery cannot be lost; a
replay (same delivery id) hits the unique index and is acknowledged as a
duplicate without being stored or processed again. A refused delivery answers
4xx with the reason and is logged; a few per endpoint are kept as ``rejected``
rows so that a builder can see why a sender fails, without letting a flood of
bad requests fill the database.
"""

from __future__ import annotations

import json
import logging
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, connection
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import NON_FIELD

from ..models import Delivery, DeliveryStatus, Endpoint
from ..verification import VerificationFailed, modes
from ..verification.base import body_id
from .kick import process_soon

log = logging.getLogger(__name__)

CACHE_SECONDS = 2.0
CREDENTIAL_HEADERS = frozenset({"authorization", "cookie", "proxy-authorization"})
MAX_HEADERS, MAX_HEADER_CHARS = 100, 4000
REJECTED_EXCERPT = 2000
REJECTED_KEPT_PER_MINUTE = 20


@dataclass(frozen=True)
class Listener:
    """What the hot path needs of an endpoint, cached for a moment per process."""

    id: int
    workspace_id: int
    mode: str
    options: dict
    secrets: tuple[str, ...]
    max_body_bytes: int
    drop_header: str | None


_cache: dict[str, tuple[float, Listener | None]] = {}
_cache_lock = threading.Lock()
_rejections: dict[int, list[float]] = {}


def forget(token: str | None = None) -> None:
    """Drop cached endpoints (all, or one) so that a change takes effect at once in this process."""
    with _cache_lock:
        if token is None:
            _cache.clear()
        else:
            _cache.pop(token, None)


def listener(token: str) -> Listener | None:
    now = time.monotonic()
    cached = _cache.get(token)
    if cached is not None and now - cached[0] < CACHE_SECONDS:
        return cached[1]
    endpoint = Endpoint.objects.filter(token=token, enabled=True).first() if token else None
    found = _listener(endpoint) if endpoint is not None else None
    with _cache_lock:
        if len(_cache) > 10000:
            _cache.clear()
        _cache[token] = (now, found)
    return found


def _listener(endpoint: Endpoint) -> Listener:
    verification = dict(endpoint.verification or {})
    mode = verification.pop("mode", "")
    secrets = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > timezone.now():
        secrets.append(endpoint.previous_secret)
    drop = (verification.get("header") or "X-Weft-Token").lower() if mode == "token" else None
    return Listener(endpoint.pk, endpoint.workspace_id, mode, verification, tuple(s for s in secrets if s),
                    endpoint.max_body_bytes, drop)


def _error(code: str, message: str, field: str = NON_FIELD) -> dict[str, Any]:
    return {"code": code, "errors": {field: [message]}}


def accept(token: str, body: bytes, headers: Mapping[str, str], *, declared_length: int | None = None
           ) -> tuple[int, dict[str, Any]]:
    """Verify and store one delivery; ``headers`` have lower-case names. Answers (status, JSON body)."""
    found = listener(token)
    if found is None:
        return 404, _error("endpoint_not_found", _("No endpoint listens at this address."))
    limit = found.max_body_bytes
    if (declared_length or 0) > limit or len(body) > limit:
        return _reject(found, 413, "body_too_large", _("The body is larger than %(n)d bytes.") % {"n": limit},
                       headers, body[:REJECTED_EXCERPT], "body")
    try:
        sender_id = modes.get(found.mode).verify(found.options, list(found.secrets), headers, body, time.time())
    except VerificationFailed as exc:
        return _reject(found, exc.status, exc.code, str(exc), headers, body)
    try:
        text = body.decode("utf-8")
        json.loads(text)
    except UnicodeDecodeError:
        return _reject(found, 400, "malformed_json", _("The body is not UTF-8 text."), headers, body, "body")
    except ValueError as exc:
        return _reject(found, 400, "malformed_json", _("The body is not valid JSON: %(reason)s") % {"reason": exc},
                       headers, body, "body")
    delivery_id = sender_id or body_id(body)
    stored = store(found, delivery_id, kept_headers(headers, found.drop_header), text)
    if stored is None:
        existing = Delivery.objects.filter(endpoint_id=found.id, delivery_id=delivery_id).values_list(
            "pk", flat=True).first()
        return 200, {"delivery": existing, "duplicate": True}
    process_soon()
    return 202, {"delivery": stored}


def kept_headers(headers: Mapping[str, str], drop: str | None = None) -> dict[str, str]:
    """Every header as received, except credentials (cookies, authorization, a shared token)."""
    kept: dict[str, str] = {}
    for name, value in headers.items():
        if name in CREDENTIAL_HEADERS or name == drop:
            continue
        if len(kept) >= MAX_HEADERS:
            break
        kept[name] = str(value)[:MAX_HEADER_CHARS]
    return kept


_INSERT = ("INSERT INTO connectors_delivery (workspace_id, endpoint_id, delivery_id, status, received_at, headers,"
           " body, attempts, result) VALUES (%s, %s, %s, %s, %s, %s, %s, 0, %s)"
           " ON CONFLICT (endpoint_id, delivery_id) WHERE delivery_id IS NOT NULL DO NOTHING RETURNING id")


def store(found: Listener, delivery_id: str, headers: dict[str, str], body: str) -> int | None:
    """Insert the delivery unless its id is already stored; its new id, or None for a replay."""
    received = connection.ops.adapt_datetimefield_value(timezone.now())
    with connection.cursor() as cursor:
        cursor.execute(_INSERT, [found.workspace_id, found.id, delivery_id, DeliveryStatus.RECEIVED, received,
                                 json.dumps(headers, ensure_ascii=False), body, "{}"])
        row = cursor.fetchone()
    return row[0] if row else None


def _reject(found: Listener, status: int, code: str, message: str, headers: Mapping[str, str], body: bytes,
            field: str = NON_FIELD) -> tuple[int, dict[str, Any]]:
    log.warning("endpoint %s refused a delivery: %s (%s)", found.id, code, message)
    if _keep_rejection(found.id):
        try:
            Delivery.objects.create(
                workspace_id=found.workspace_id, endpoint_id=found.id, status=DeliveryStatus.REJECTED,
                received_at=timezone.now(), headers=kept_headers(headers, found.drop_header),
                body=body[:REJECTED_EXCERPT].decode("utf-8", errors="replace"),
                error={"code": code, "message": message, "status": status})
        except IntegrityError:
            log.exception("could not log a refused delivery")
    return status, _error(code, message, field)


def _keep_rejection(endpoint_id: int) -> bool:
    now = time.monotonic()
    recent = [t for t in _rejections.get(endpoint_id, []) if now - t < 60]
    keep = len(recent) < REJECTED_KEPT_PER_MINUTE
    if keep:
        recent.append(now)
    _rejections[endpoint_id] = recent
    return keep
