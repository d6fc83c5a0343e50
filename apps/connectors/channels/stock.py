"""Pushing available stock to every channel, coalesced per SKU per account per short window.

A stock change (an outbox event of an account's stock form) computes the
SKU's available quantity and upserts one *pending* push per (account, SKU):
the first change sets when it is due (now + the account's window), later
ones only replace the quantity. A sender takes due pushes, sends the latest
quantity through the channel's adapter and marks the push sent only if no
change arrived meanwhile; otherwise it stays pending and goes again at once.
"""

from __future__ import annotations

import json
import logging
from collections import defaultdict
from datetime import timedelta
from typing import Any

from django.db import IntegrityError, connection, transaction
from django.db.models import F
from django.utils import timezone

from apps.core import http
from apps.expressions import ExpressionError, evaluate_value
from apps.forms.changes import record_snapshot
from apps.forms.models import Form, Record

from ..models import ChannelAccount, StockPush
from .accounts import account_info, allow_list

log = logging.getLogger(__name__)

LEASE = timedelta(seconds=60)
MAX_ATTEMPTS = 10


def on_events(events: list) -> None:
    """The outbox consumer: note a push for every account whose stock form changed (inside the dispatch batch)."""
    changed: dict[int, set[int]] = defaultdict(set)
    for event in events:
        if event.form_id and event.record_id and event.type in ("record.created", "record.updated",
                                                                 "counter.adjusted"):
            changed[event.form_id].add(event.record_id)
    if not changed:
        return
    accounts = list(ChannelAccount.objects.filter(stock_form_id__in=changed, push_enabled=True, enabled=True))
    if not accounts:
        return
    forms = Form.objects.in_bulk({a.stock_form_id for a in accounts})
    for form_id, record_ids in changed.items():
        interested = [a for a in accounts if a.stock_form_id == form_id]
        if not interested:
            continue
        for record in Record.objects.filter(form_id=form_id, pk__in=record_ids):
            snapshot = record_snapshot(forms[form_id], record)
            for account in interested:
                _note(account, snapshot)


def available(account: ChannelAccount, snapshot: dict) -> tuple[str, int, dict] | None:
    """(SKU, available quantity, the channel's ids of the SKU) of a stock record, or None when it has no SKU."""
    sku = snapshot.get(account.stock_sku_field)
    if sku in (None, ""):
        return None
    scope = {"record": snapshot}
    value = evaluate_value(account.stock_available or "{{ record.available }}", scope)
    listing = {}
    for name, source in (account.stock_listing or {}).items():
        try:
            listing[name] = evaluate_value(source, scope) if isinstance(source, str) else source
        except ExpressionError as exc:
            raise exc.at(f"stock_listing.{name}") from None
    return str(sku), max(0, int(value)), listing


def _note(account: ChannelAccount, snapshot: dict) -> None:
    try:
        found = available(account, snapshot)
    except (ExpressionError, TypeError, ValueError) as exc:
        log.warning("account %s: cannot compute available stock: %s", account.key, exc)
        return
    if found is None:
        return
    note_push(account, *found)


def note_push(account: ChannelAccount, sku: str, quantity: int, listing: dict | None = None, now=None
              ) -> StockPush:
    """Record that ``sku`` should read ``quantity`` on ``account``: coalesced with a pending push if any."""
    now = now or timezone.now()
    pending = StockPush.objects.select_for_update().filter(account=account, sku=sku,
                                                           status=StockPush.Status.PENDING).first()
    if pending is None:
        try:
            with transaction.atomic():
                return StockPush.objects.create(workspace_id=account.workspace_id, account=account, sku=sku,
                                                quantity=quantity, listing=listing or {},
                                                due_at=now + timedelta(seconds=account.push_window_seconds))
        except IntegrityError:
            pending = StockPush.objects.select_for_update().get(account=account, sku=sku,
                                                                status=StockPush.Status.PENDING)
    StockPush.objects.filter(pk=pending.pk).update(quantity=quantity, listing=listing or {},
                                                   changes=F("changes") + 1)
    pending.quantity = quantity
    return pending


def push_due(now=None, limit: int = 200) -> int:
    """Send every due push; how many were sent successfully."""
    sent = 0
    for push in _claim(now or timezone.now(), limit):
        sent += send(push)
    return sent


@transaction.atomic
def _claim(now, limit: int) -> list[StockPush]:
    due = StockPush.objects.filter(status=StockPush.Status.PENDING, due_at__lte=now).order_by("due_at")
    if connection.features.has_select_for_update_skip_locked:
        due = due.select_for_update(skip_locked=True, of=("self",))
    pushes = list(due.select_related("account")[:limit])
    StockPush.objects.filter(pk__in=[p.pk for p in pushes]).update(due_at=now + LEASE)
    return pushes


def send(push: StockPush) -> int:
    """Send one push; 1 when the channel took it."""
    from ..adapters import AdapterError, get_adapter, stock_request

    account = push.account
    quantity = push.quantity
    status, error = None, ""
    try:
        adapter = get_adapter(account.adapter)
        request = stock_request(adapter, account_info(account), push.sku, quantity, listing=push.listing)
        response = http.request(request["method"], request["url"], headers=request.get("headers") or {},
                                body=request.get("body"), timeout=10, allow=allow_list(account),
                                follow_redirects=False)
        status = response.status
        if not 200 <= status < 300:
            error = response.body[:500].decode("utf-8", errors="replace") or f"HTTP {status}"
        else:
            error = _channel_error(adapter, response.body) or ""
    except http.HttpError as exc:
        error = str(exc)
    except AdapterError as exc:
        error = str(exc.as_data()["errors"])
    except Exception as exc:  # a broken adapter must not stop the other pushes
        log.exception("stock push %s failed", push.pk)
        error = f"{type(exc).__name__}: {exc}"
    return _finish(push, quantity, status, error)


def _channel_error(adapter: dict, body: bytes) -> str | None:
    """Many channels answer 200 with an error inside; the adapter knows where to look."""
    from ..adapters import stock_error

    try:
        answer = json.loads(body) if body else {}
    except ValueError:
        return None
    return stock_error(adapter, answer)


@transaction.atomic
def _finish(push: StockPush, quantity: int, status: int | None, error: str) -> int:
    now = timezone.now()
    attempts = push.attempts + 1
    if not error:
        done = StockPush.objects.filter(pk=push.pk, quantity=quantity).update(
            status=StockPush.Status.SENT, sent_at=now, status_code=status, error="", attempts=attempts)
        if not done:  # the quantity changed while it was being sent: send the new one now
            StockPush.objects.filter(pk=push.pk).update(due_at=now, attempts=attempts, status_code=status)
        return 1
    failed = attempts >= MAX_ATTEMPTS
    values: dict[str, Any] = {"attempts": attempts, "status_code": status, "error": error[:1000],
                              "due_at": now + timedelta(seconds=min(600, 5 * 2 ** attempts))}
    if failed:
        values["status"] = StockPush.Status.FAILED
    StockPush.objects.filter(pk=push.pk).update(**values)
    return 0
