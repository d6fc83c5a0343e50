"""Accepting a delivery: the hot path, kept to one lookup (cached), one HMAC and one INSERT.

Nothing is processed here. A delivery is answered 2xx only once its raw
headers and body are committed, so an accepted delivery cannot be lost; a
replay (same delivery id) hits the unique index and is acknowledged as a
duplicate without being stored or processed again. A refused delivery answers
4xx with the reason and is logged; a few per endpoint are kept as ``rejected``
rows so that a builder can see why a sender fails, without letting a flood of
bad requests fill the database.

What is accepted: a JSON body in UTF-8 that Weft can store as it is. The
body is read by the strict reader of ``apps.core.strict_json``: ``NaN``,
``Infinity`` and numbers too large for a float, nesting deeper than its
limit, and strings or keys holding NUL (``\\u0000``) or a lone surrogate
(``\\ud800``) are refused with 400 and the JSON path of what is wrong, as is
text that is not UTF-8. The ``Content-Type`` may be missing, or name JSON
(``application/json``, any ``application/*+json``, ``text/json``) or
``text/plain`` (senders that do not label their JSON); any other type (a
form, XML, multipart) is refused with 415. The URL is answered with or
without its trailing slash.

A flow's webhook URL (``/hooks/flows/<token>/``) is the same intake for the
endpoint the flow's trigger keeps (``flow_triggers.py``): it names only such
an endpoint, and a blank body there is ``{}``. An endpoint's secret may name
a vault secret; it is resolved when the endpoint is read into the cache, and
the cache is dropped when that secret changes. One that cannot be read
answers 503, so the sender tries again once a person has fixed it.

Two ways in, one set of rules. ``accept`` (the Django view: tests, WSGI)
stores with one INSERT on the caller's connection. ``accept_async`` (the ASGI
route of ``apps/asgi.py``, what ``manage.py serve`` answers with) checks the
delivery in the event loop and hands the row to this process's group commit:
one thread writes every delivery waiting at that moment with one multi-row
INSERT, which is one transaction, and each request is answered after it
committed. Under load that turns hundreds of commits a second into a few
dozen, with no thread hop per request.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import threading
import time
from collections import deque
from collections.abc import Awaitable, Callable, Iterator, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db import DatabaseError, DataError, IntegrityError, connection
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import trans_real

from apps.core.errors import NON_FIELD, join_path
from apps.core.http import CREDENTIAL_HEADERS
from apps.core.strict_json import StrictJSONError, is_json_media_type, loads, safe_text
from apps.vault import services as vault
from apps.vault.errors import SecretNotFound
from apps.vault.selectors import from_text, reference_name

from ..models import Delivery, DeliveryStatus, Endpoint
from ..verification import VerificationFailed, modes
from ..verification.base import body_id
from .kick import process_soon

log = logging.getLogger(__name__)

CACHE_SECONDS = 2.0
MAX_HEADERS, MAX_HEADER_CHARS = 100, 4000
REJECTED_EXCERPT = 2000
REJECTED_KEPT_PER_MINUTE = 20
CHECK_IN_LOOP_BYTES = 64 * 1024


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
    flow_trigger: bool = False  # the endpoint of a flow's webhook trigger: a blank body is ``{}``
    unresolved: str | None = None  # the vault secret named as the endpoint's secret, if it cannot be read


@dataclass(frozen=True)
class Refusal:
    status: int
    code: str
    message: str
    field: str = NON_FIELD


@dataclass(frozen=True)
class Checked:
    """A verified delivery, ready to store: its id, the headers kept (JSON) and the body as text."""

    delivery_id: str
    headers: str
    text: str


_cache: dict[str, tuple[float, Listener | None]] = {}
_cache_lock = threading.Lock()
_rejections: dict[int, list[float]] = {}
_MISS = object()


def forget(token: str | None = None) -> None:
    """Drop cached endpoints (all, with their counts of kept refusals, or one) so that a change takes effect."""
    with _cache_lock:
        if token is None:
            _cache.clear()
            _rejections.clear()
        else:
            _cache.pop(token, None)


def forget_secret(workspace_id: int, name: str) -> None:
    """Drop the cached endpoints of a workspace: its vault secret ``name`` changed, and they may name it."""
    with _cache_lock:
        for token, (_at, found) in list(_cache.items()):
            if found is not None and found.workspace_id == workspace_id:
                _cache.pop(token, None)


def _cached(token: str) -> Listener | None | object:
    cached = _cache.get(token)
    if cached is not None and time.monotonic() - cached[0] < CACHE_SECONDS:
        return cached[1]
    return _MISS


def listener(token: str) -> Listener | None:
    found = _cached(token)
    if found is not _MISS:
        return found  # type: ignore[return-value]
    now = time.monotonic()
    endpoint = Endpoint.objects.filter(token=token, enabled=True).select_related("flow").first() if token else None
    found = _listener(endpoint) if endpoint is not None else None
    with _cache_lock:
        if len(_cache) > 10000:
            _cache.clear()
        _cache[token] = (now, found)
    return found


def _listener(endpoint: Endpoint) -> Listener:
    """The endpoint as the hot path needs it, its secrets resolved (a vault reference by its value)."""
    # here, not at the top: flow_triggers keeps this module's cache fresh, so it imports this module
    from .flow_triggers import is_flow_trigger

    verification = dict(endpoint.verification or {})
    mode = verification.pop("mode", "")
    secrets = [endpoint.secret]
    expires = endpoint.previous_secret_expires_at
    if endpoint.previous_secret and expires is not None and expires > timezone.now():
        secrets.append(endpoint.previous_secret)
    resolved, unresolved = [], None
    for index, secret in enumerate(secrets):
        try:
            resolved.append(vault.resolve_text(endpoint.workspace_id, secret))
        except SecretNotFound:  # a rotated-out secret that is gone is only missed; the current one is needed
            unresolved = unresolved or (reference_name(from_text(secret)) if index == 0 else None)
    drop = modes.get(mode).credential_header(verification) if mode in modes else None
    return Listener(endpoint.pk, endpoint.workspace_id, mode, verification, tuple(s for s in resolved if s),
                    endpoint.max_body_bytes, drop, is_flow_trigger(endpoint), unresolved)


def _error(code: str, message: str, field: str = NON_FIELD) -> dict[str, Any]:
    return {"code": code, "errors": {field: [message]}}


def _not_found(flow: bool = False) -> tuple[int, dict[str, Any]]:
    if flow:
        return 404, _error("flow_not_found", _("No flow listens at this address."))
    return 404, _error("endpoint_not_found", _("No endpoint listens at this address."))


def _listening(found: Listener | None, flow: bool) -> bool:
    """Whether ``found`` answers here: a flow's webhook URL names only the endpoint of a flow's trigger."""
    return found is not None and (found.flow_trigger or not flow)


def check(found: Listener, body: bytes, headers: Mapping[str, str], *, declared_length: int | None = None,
          too_large: bool = False) -> Checked | Refusal:
    """Size, type, signature and JSON: what decides between storing and refusing, without touching the database."""
    limit = found.max_body_bytes
    if too_large or (declared_length or 0) > limit or len(body) > limit:
        return Refusal(413, "body_too_large", _("The body is larger than %(n)d bytes.") % {"n": limit}, "body")
    content_type = headers.get("content-type", "")
    if not is_json_media_type(content_type):
        return Refusal(415, "unsupported_media_type", _("The body must be JSON; '%(type)s' is not accepted.")
                       % {"type": safe_text(content_type[:100])}, "content-type")
    if found.unresolved:
        log.error("endpoint %s names the vault secret '%s', which cannot be read", found.id, found.unresolved)
        return Refusal(503, "secret_unavailable", _("This address cannot check deliveries at the moment; "
                                                    "send the delivery again later."))
    try:
        sender_id = modes.get(found.mode).verify(found.options, list(found.secrets), headers, body, time.time())
    except VerificationFailed as exc:
        return Refusal(exc.status, exc.code, str(exc))
    if sender_id is not None and safe_text(sender_id) != sender_id:
        return Refusal(400, "malformed_delivery_id", _("The delivery id holds characters that cannot be stored."))
    blank = found.flow_trigger and not body.strip()  # a flow's webhook reads no body as {}
    try:
        if not blank:
            loads(body)
    except StrictJSONError as exc:
        return Refusal(400, exc.code, exc.reason, join_path("body", exc.path))
    kept = json.dumps(kept_headers(headers, found.drop_header), ensure_ascii=False)
    return Checked(sender_id or body_id(body), kept, "" if blank else body.decode("utf-8"))


def accept(token: str, body: bytes, headers: Mapping[str, str], *, declared_length: int | None = None,
           flow: bool = False) -> tuple[int, dict[str, Any]]:
    """Verify and store one delivery; ``headers`` have lower-case names. Answers (status, JSON body).

    ``flow``: the request came to a flow's webhook URL (``/hooks/flows/<token>/``).
    """
    found = listener(token)
    if not _listening(found, flow):
        return _not_found(flow)
    assert found is not None
    checked = check(found, body, headers, declared_length=declared_length)
    if isinstance(checked, Refusal):
        return refuse(found, checked, headers, body)
    [(pk, duplicate)] = store_rows([Row(found.workspace_id, found.id, checked.delivery_id, checked.headers,
                                        checked.text, _now())])
    if duplicate:
        return 200, {"delivery": pk, "duplicate": True}
    process_soon()
    return 202, {"delivery": pk}


def kept_headers(headers: Mapping[str, str], drop: str | None = None) -> dict[str, str]:
    """Every header as received, except credentials (cookies, authorization, a shared token)."""
    kept: dict[str, str] = {}
    for name, value in headers.items():
        if name in CREDENTIAL_HEADERS or name == drop:
            continue
        if len(kept) >= MAX_HEADERS:
            break
        kept[safe_text(name)] = safe_text(str(value)[:MAX_HEADER_CHARS])
    return kept


_COLUMNS = "(workspace_id, endpoint_id, delivery_id, status, pulled, received_at, headers, body, attempts, result)"
_ROW = "(%s, %s, %s, %s, %s, %s, %s, %s, 0, %s)"
_CONFLICT = " ON CONFLICT (endpoint_id, delivery_id) WHERE delivery_id IS NOT NULL DO NOTHING"


def _now() -> Any:
    return connection.ops.adapt_datetimefield_value(timezone.now())


def store(workspace_id: int, endpoint_id: int, delivery_id: str, headers: dict[str, str], body: str, *,
          pulled: bool = False) -> int | None:
    """Insert the delivery unless its id is already stored; its new id, or None for a replay."""
    [(pk, duplicate)] = store_rows([Row(workspace_id, endpoint_id, delivery_id,
                                        json.dumps(headers, ensure_ascii=False), body, _now(), pulled=pulled)])
    return None if duplicate else pk


def refuse(found: Listener, refusal: Refusal, headers: Mapping[str, str], body: bytes) -> tuple[int, dict[str, Any]]:
    """Log the refusal, keep a few as ``rejected`` rows, and answer with the reason."""
    log.warning("endpoint %s refused a delivery: %s (%s)", found.id, refusal.code, refusal.message)
    if _keep_rejection(found.id):
        _keep(found, refusal, headers, body)
    return refusal.status, _error(refusal.code, refusal.message, refusal.field)


def _keep(found: Listener, refusal: Refusal, headers: Mapping[str, str], body: bytes) -> None:
    """The refused delivery as a ``rejected`` row: its headers and an excerpt of its body, made storable."""
    try:
        Delivery.objects.create(
            workspace_id=found.workspace_id, endpoint_id=found.id, status=DeliveryStatus.REJECTED,
            received_at=timezone.now(), headers=kept_headers(headers, found.drop_header),
            body=safe_text(body[:REJECTED_EXCERPT].decode("utf-8", errors="replace")),
            error={"code": refusal.code, "message": safe_text(refusal.message), "status": refusal.status,
                   "field": safe_text(refusal.field)})
    except DatabaseError:
        log.exception("could not log a refused delivery")


def _keep_rejection(endpoint_id: int) -> bool:
    now = time.monotonic()
    recent = [t for t in _rejections.get(endpoint_id, []) if now - t < 60]
    keep = len(recent) < REJECTED_KEPT_PER_MINUTE
    if keep:
        recent.append(now)
    _rejections[endpoint_id] = recent
    return keep


# --- the ASGI way in ----------------------------------------------------------------------------------


async def accept_async(token: str, headers: Mapping[str, str], read_body: Callable[[int], Awaitable[bytes | None]],
                       *, declared_length: int | None = None, flow: bool = False) -> tuple[int, dict[str, Any]]:
    """``accept`` for the event loop; ``read_body(limit)`` gives the body, or None past ``limit`` bytes.

    The database is reached only through the group commit, or in a thread
    for what is rare: an endpoint not in the cache, a refusal kept as a row.
    """
    found = _cached(token)
    if found is _MISS:
        found = await _in_thread(listener, token)
    with _language(headers):
        if not isinstance(found, Listener) or not _listening(found, flow):
            return _not_found(flow)
        declared = declared_length
        limit = found.max_body_bytes
        body = b"" if (declared or 0) > limit else await read_body(limit)
        too_large = body is None
        body = body or b""
        if len(body) > CHECK_IN_LOOP_BYTES:
            checked = await _in_thread(_checked_in, translation.get_language(), found, body, headers, declared)
        else:
            checked = check(found, body, headers, declared_length=declared, too_large=too_large)
        if isinstance(checked, Refusal):
            log.warning("endpoint %s refused a delivery: %s (%s)", found.id, checked.code, checked.message)
            if _keep_rejection(found.id):
                await _in_thread(_keep, found, checked, headers, body)
            return checked.status, _error(checked.code, checked.message, checked.field)
    try:
        stored, duplicate = await group_commit.store(found, checked)
    except Exception:
        log.exception("endpoint %s: a delivery could not be stored", found.id)
        return 503, _error("not_stored", _("The delivery could not be stored; send it again."))
    if duplicate:
        return 200, {"delivery": stored, "duplicate": True}
    return 202, {"delivery": stored}


def _checked_in(language: str, found: Listener, body: bytes, headers: Mapping[str, str],
                declared: int | None) -> Checked | Refusal:
    with translation.override(language):
        return check(found, body, headers, declared_length=declared)


@contextlib.contextmanager
def _language(headers: Mapping[str, str]) -> Iterator[None]:
    """Refusals in the sender's language (Accept-Language), as LocaleMiddleware does for Django's views."""
    accepted = headers.get("accept-language")
    if not accepted:
        yield
        return
    language = settings.LANGUAGE_CODE
    for code, _quality in trans_real.parse_accept_lang_header(accepted):
        if code == "*":
            break
        try:
            language = trans_real.get_supported_language_variant(code)
            break
        except LookupError:
            continue
    with translation.override(language):
        yield


async def _in_thread(function: Callable[..., Any], *args: Any) -> Any:
    return await asyncio.get_running_loop().run_in_executor(None, _closing, function, args)


def _closing(function: Callable[..., Any], args: tuple) -> Any:
    """Run in an executor thread, then give its database connection back: these calls are rare."""
    try:
        return function(*args)
    finally:
        connection.close()


# --- group commit -------------------------------------------------------------------------------------


@dataclass
class Row:
    """One delivery waiting for the group commit, and the future of the request waiting for it."""

    workspace_id: int
    endpoint_id: int
    delivery_id: str
    headers: str
    text: str
    received: Any
    loop: asyncio.AbstractEventLoop | None = None
    future: asyncio.Future | None = None
    pulled: bool = False


def store_rows(rows: list[Row]) -> list[tuple[int | None, bool]]:
    """Store these deliveries with one INSERT (one transaction); per row (pk, duplicate).

    A delivery id repeated within the rows, or already stored, is a duplicate
    and gets the stored row's pk. Stored ids are looked up first: a replay of
    a delivery that a worker is processing right now would otherwise make the
    INSERT wait for that worker's transaction (its new row version is not yet
    committed), and every delivery of the batch with it. ON CONFLICT DO NOTHING
    still settles two requests racing with the same new id.
    """
    first: dict[tuple[int, str], int] = {}
    for index, row in enumerate(rows):
        first.setdefault((row.endpoint_id, row.delivery_id), index)
    known = _stored(list(first))
    # In key order, so that two processes inserting the same new ids wait on each other instead of deadlocking.
    fresh = sorted((rows[index] for key, index in first.items() if key not in known),
                   key=lambda row: (row.endpoint_id, row.delivery_id))
    inserted: dict[tuple[int, str], int] = {}
    if fresh:
        params: list[Any] = []
        for row in fresh:
            params += [row.workspace_id, row.endpoint_id, row.delivery_id, DeliveryStatus.RECEIVED, row.pulled,
                       row.received, row.headers, row.text, "{}"]
        sql = (f"INSERT INTO connectors_delivery {_COLUMNS} VALUES {', '.join([_ROW] * len(fresh))}{_CONFLICT}"
               " RETURNING id, endpoint_id, delivery_id")
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            inserted = {(endpoint, delivery): pk for pk, endpoint, delivery in cursor.fetchall()}
        known.update(inserted)
        raced = [(row.endpoint_id, row.delivery_id) for row in fresh
                 if (row.endpoint_id, row.delivery_id) not in inserted]
        if raced:
            known.update(_stored(raced))
    results = []
    for index, row in enumerate(rows):
        key = (row.endpoint_id, row.delivery_id)
        results.append((known.get(key), not (key in inserted and first[key] == index)))
    return results


def _stored(keys: list[tuple[int, str]]) -> dict[tuple[int, str], int]:
    """The pks of the deliveries already stored under these (endpoint, delivery id) keys."""
    by_endpoint: dict[int, list[str]] = {}
    for endpoint_id, delivery_id in keys:
        by_endpoint.setdefault(endpoint_id, []).append(delivery_id)
    found = {}
    with connection.cursor() as cursor:
        for endpoint_id, delivery_ids in by_endpoint.items():
            cursor.execute("SELECT delivery_id, id FROM connectors_delivery WHERE endpoint_id = %s AND delivery_id IN"
                           f" ({', '.join(['%s'] * len(delivery_ids))})", [endpoint_id, *delivery_ids])
            for delivery_id, pk in cursor.fetchall():
                found[(endpoint_id, delivery_id)] = pk
    return found


class GroupCommit:
    """One writer thread per process: it stores every delivery waiting when it comes round, then answers them.

    While one INSERT runs, the next deliveries queue up and go in the next
    one, so the batch grows with the load and nothing waits for a timer.
    A failed INSERT is tried again one delivery at a time, so a delivery the
    database refuses fails alone (answered 503, and the sender sends it
    again; its id makes that safe) and never the others of its batch.
    """

    MAX_ROWS = 500
    MAX_BYTES = 8 * 1024 * 1024

    def __init__(self) -> None:
        self._queue: deque[Row] = deque()
        self._ready = threading.Condition()
        self._pid = 0
        self._thread: threading.Thread | None = None
        self._stopping = False

    async def store(self, found: Listener, checked: Checked) -> tuple[int | None, bool]:
        loop = asyncio.get_running_loop()
        future: asyncio.Future = loop.create_future()
        received = _now()
        self.submit(Row(found.workspace_id, found.id, checked.delivery_id, checked.headers, checked.text, received,
                        loop, future))
        return await future

    def submit(self, row: Row) -> None:
        with self._ready:
            if self._pid != os.getpid():  # first use in this process (or after a fork)
                self._pid = os.getpid()
                self._queue.clear()
                self._stopping = False
                self._thread = threading.Thread(target=self._run, name="weft-intake-writer", daemon=True)
                self._thread.start()
            self._queue.append(row)
            self._ready.notify()

    def stop(self, timeout: float = 30.0) -> None:
        """Store what is queued, then end the writer and close its connection (a later delivery starts another)."""
        with self._ready:
            thread = self._thread if self._pid == os.getpid() else None
            self._stopping = True
            self._ready.notify()
        if thread is not None:
            thread.join(timeout)

    def _take(self) -> list[Row] | None:
        with self._ready:
            while not self._queue:
                if self._stopping:
                    self._pid, self._thread, self._stopping = 0, None, False
                    return None
                self._ready.wait()
            batch, size = [], 0
            while self._queue and len(batch) < self.MAX_ROWS and size < self.MAX_BYTES:
                row = self._queue.popleft()
                batch.append(row)
                size += len(row.text)
            return batch

    def _run(self) -> None:
        while True:
            batch = self._take()
            if batch is None:
                connection.close()
                return
            try:
                results: list[tuple[int | None, bool]] | BaseException = store_rows(batch)
            except Exception as exc:
                log.exception("storing %d deliveries failed", len(batch))
                with contextlib.suppress(Exception):
                    connection.close()  # the next batch opens a fresh connection
                results = exc
            if isinstance(results, _ROW_REFUSED) and len(batch) > 1:
                self._one_by_one(batch)
                continue
            _answer(batch, results)
            if not isinstance(results, BaseException) and any(not duplicate for _pk, duplicate in results):
                process_soon()

    def _one_by_one(self, batch: list[Row]) -> None:
        """After an INSERT the database refused: each delivery alone, so that the one it refuses fails alone.

        A failure that is not about a row (the database gone) fails the rest at once.
        """
        stored = False
        for index, row in enumerate(batch):
            try:
                result: tuple[int | None, bool] | BaseException = store_rows([row])[0]
            except _ROW_REFUSED as exc:
                log.warning("endpoint %s: delivery %s could not be stored: %s", row.endpoint_id, row.delivery_id, exc)
                result = exc
            except Exception as exc:
                log.exception("storing %d deliveries failed", len(batch) - index)
                with contextlib.suppress(Exception):
                    connection.close()
                _answer(batch[index:], exc)
                break
            stored = stored or not isinstance(result, BaseException) and not result[1]
            _answer([row], result if isinstance(result, BaseException) else [result])
        if stored:
            process_soon()


_ROW_REFUSED = (IntegrityError, DataError, ValueError)


def _answer(batch: list[Row], results: list[tuple[int | None, bool]] | BaseException) -> None:
    """Wake each waiting request's loop once per batch, not once per row."""
    by_loop: dict[asyncio.AbstractEventLoop, list[tuple[asyncio.Future, Any]]] = {}
    for index, row in enumerate(batch):
        if row.loop is not None and row.future is not None:
            outcome = results if isinstance(results, BaseException) else results[index]
            by_loop.setdefault(row.loop, []).append((row.future, outcome))
    for loop, settled in by_loop.items():
        with contextlib.suppress(RuntimeError):  # a loop closed meanwhile has no one waiting
            loop.call_soon_threadsafe(_resolve, settled)


def _resolve(settled: list[tuple[asyncio.Future, Any]]) -> None:
    for future, outcome in settled:
        if future.done():
            continue
        if isinstance(outcome, BaseException):
            future.set_exception(outcome)
        else:
            future.set_result(outcome)


group_commit = GroupCommit()
