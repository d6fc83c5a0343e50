"""Scheduled pull of a channel's orders by an updated-since cursor.

A pull asks for the orders updated in a window starting at the cursor, page
by page with the same window, and stores each page as deliveries of the
account's endpoint (one per order and update time, so a page fetched twice
stores nothing twice) before asking for the next. Only when the window's
last page is stored does the cursor move, in that page's transaction, to
the newest update seen (or to the window's end when the window was quiet).
A restart therefore repeats at most one window, and what it fetches again is
dropped as a replay. Stored orders go through the endpoint's processing
(mapping, guard, upsert) exactly like pushed ones.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core import http

from ..adapters.canonical import later
from ..errors import PullNotPossible
from ..inbound.intake import store
from ..inbound.kick import process_soon
from ..models import ChannelAccount, PullPage
from .accounts import account_info, allow_list

log = logging.getLogger(__name__)

MAX_PAGES = 50


class PullFailed(Exception):
    pass


def pull_account(account: ChannelAccount, *, max_pages: int = MAX_PAGES, page_size: int | None = None) -> int:
    """Pull until the channel has nothing newer (or ``max_pages`` were read); how many orders were new.

    ``page_size`` defaults to the adapter document's.
    """
    from ..adapters import AdapterError, get_adapter

    adapter = get_adapter(account.adapter)
    if not adapter.get("pull"):
        raise PullNotPossible(errors={"adapter": [
            _("The %(adapter)s adapter cannot pull orders.") % {"adapter": account.adapter}]})
    if account.endpoint_id is None:
        raise PullNotPossible(errors={"endpoint": [
            _("The account '%(key)s' has no endpoint to store its orders.") % {"key": account.key}]})
    window = adapter["pull"].get("window_seconds")
    stored, pages = 0, 0
    try:
        while pages < max_pages:
            moved, count, read = _window(account, adapter, page_size, max_pages - pages)
            stored, pages = stored + count, pages + read
            if not moved or not window or not _full(account, window):
                break
    except AdapterError as exc:
        raise PullFailed(str(exc.as_data()["errors"])) from None
    if stored:
        process_soon()
    return stored


def _window(account: ChannelAccount, adapter: dict, page_size: int | None, budget: int
            ) -> tuple[bool, int, int]:
    """One window, page by page: (whether the cursor moved, orders stored, pages read)."""
    from ..adapters import pull_page, pull_request

    before, newest, stored, page = account.cursor, None, 0, 1
    while True:
        request = pull_request(adapter, account_info(account), before or None, page, page_size)
        answer = _fetch(account, request)
        orders, has_more, latest = pull_page(adapter, answer, page=page, page_size=request["page_size"],
                                             until=request["until"])
        newest = later(newest, latest)
        last = not has_more or page >= budget
        stored += _store_page(account, orders, before, newest if last else None, page)
        if last:
            return account.cursor != before, stored, page
        page += 1


def _fetch(account: ChannelAccount, request: dict) -> object:
    try:
        response = http.request(request["method"], request["url"], headers=request.get("headers") or {},
                                body=request.get("body"), timeout=15, allow=allow_list(account),
                                follow_redirects=False)
    except http.HttpError as exc:
        raise PullFailed(str(exc)) from None
    if not 200 <= response.status < 300:
        raise PullFailed(_("the channel answered %(status)d: %(body)s") % {
            "status": response.status, "body": response.body[:300].decode("utf-8", errors="replace")})
    try:
        return json.loads(response.body)
    except ValueError:
        raise PullFailed(_("the channel's answer is not JSON")) from None


def _full(account: ChannelAccount, window: int) -> bool:
    """Whether the cursor is still more than a window behind now, so that another window is worth asking."""
    try:
        cursor = datetime.fromisoformat(account.cursor.replace("Z", "+00:00"))
    except ValueError:
        return False
    return timezone.now() - cursor > timedelta(seconds=window)


@transaction.atomic
def _store_page(account: ChannelAccount, orders: list[dict], before: str, advance_to: str | None, page: int) -> int:
    """Store a page's orders; on a window's last page, move the cursor in the same transaction."""
    stored = 0
    for order in orders:
        delivery_id = f"pull:{order.get('order_id')}:{order.get('updated_at')}"
        body = json.dumps(order, ensure_ascii=False, sort_keys=True)
        if store(account.workspace_id, account.endpoint_id, delivery_id[:200], {"x-weft-pull": account.key}, body,
                 pulled=True) is not None:
            stored += 1
    if advance_to:
        account.cursor = later(before or None, advance_to) or ""
    ChannelAccount.objects.filter(pk=account.pk).update(cursor=account.cursor, last_pull_at=timezone.now())
    PullPage.objects.create(account=account, cursor_before=before or "", cursor_after=account.cursor, page=page,
                            orders=len(orders))
    return stored


def pull_now(account: ChannelAccount) -> int:
    """A pull asked for by a person: like a scheduled one, its error is kept on the account."""
    try:
        stored = pull_account(account)
    except PullFailed as exc:
        ChannelAccount.objects.filter(pk=account.pk).update(last_pull_error=str(exc)[:2000])
        raise
    ChannelAccount.objects.filter(pk=account.pk).update(last_pull_error="")
    return stored


def pull_due(now: datetime | None = None, limit: int = 20) -> dict[str, int]:
    """Pull every account whose turn has come; an account is claimed by moving its next turn first."""
    now = now or timezone.now()
    results: dict[str, int] = {}
    due = ChannelAccount.objects.filter(pull_enabled=True, enabled=True).exclude(next_pull_at__gt=now)
    for account in list(due.select_related("workspace").order_by("next_pull_at")[:limit]):
        following = now + timedelta(seconds=max(5, account.pull_interval_seconds))
        claimed = ChannelAccount.objects.filter(pk=account.pk, next_pull_at=account.next_pull_at).update(
            next_pull_at=following)
        if not claimed:
            continue
        try:
            results[account.key] = pull_account(account)
            error = ""
        except PullFailed as exc:
            error = str(exc)
        except Exception as exc:  # one broken account must not stop the others
            log.exception("pulling %s failed", account.key)
            error = f"{type(exc).__name__}: {exc}"
        ChannelAccount.objects.filter(pk=account.pk).update(last_pull_error=error[:2000])
    return results
