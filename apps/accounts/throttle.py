"""Failed sign-ins are counted, and too many of them lock the door for a while.

Two counters are kept in Django's cache (shared by every process when
``REDIS_URL`` is set): one per client address, whatever account it tries, and
one per account (a username, or the prefix of an API token), whatever address
tries it. When either reaches its limit within the window, sign-ins answer 429
with ``Retry-After`` until the window ends — also with the right password, so
that a lock-out tells a guesser nothing.

A success resets no counter: otherwise anyone could sign in to their own
account between guesses (or have the real owner do it) to start again. The
counters simply run out with their window.

The address is ``REMOTE_ADDR``; behind a reverse proxy let the ASGI server
take it from the proxy's header (uvicorn's ``--proxy-headers``).
"""

from __future__ import annotations

import hashlib
import math
import time
from collections.abc import Callable

from django.conf import settings
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _

PREFIX = "weft:auth-failures"


def _limits() -> tuple[int, int, int]:
    weft = settings.WEFT
    return (weft["AUTH_FAILURES_PER_ADDRESS"], weft["AUTH_FAILURES_PER_ACCOUNT"],
            weft["AUTH_FAILURE_WINDOW_SECONDS"])


def _counters(address: str, account: str) -> list[tuple[str, int]]:
    """The cache keys of this window's counters that apply, each with its limit."""
    per_address, per_account, window = _limits()
    index = int(time.time() // window)
    found = []
    for kind, who, limit in (("address", address, per_address), ("account", account.lower(), per_account)):
        if who:
            digest = hashlib.sha256(who.encode()).hexdigest()[:32]
            found.append((f"{PREFIX}:{kind}:{digest}:{index}", limit))
    return found


def _rest_of_window() -> int:
    window = _limits()[2]
    return max(1, math.ceil(window - time.time() % window))


def client_address(request: HttpRequest) -> str:
    return request.META.get("REMOTE_ADDR") or ""


def locked_for(address: str, account: str) -> int | None:
    """Seconds until sign-ins from ``address`` or for ``account`` are allowed again; None when they are."""
    for key, limit in _counters(address, account):
        if (cache.get(key) or 0) >= limit:
            return _rest_of_window()
    return None


def failed(address: str, account: str) -> None:
    """Count one failed sign-in against the address and the account."""
    timeout = _limits()[2] + 1
    for key, _limit in _counters(address, account):
        if not cache.add(key, 1, timeout=timeout):
            try:
                cache.incr(key)
            except ValueError:  # expired between add and incr
                cache.add(key, 1, timeout=timeout)


def message(seconds: int) -> str:
    return _("Too many failed sign-in attempts from this address or for this account. "
             "Try again in %(n)d seconds.") % {"n": seconds}


class LoginThrottleMiddleware:
    """Throttles the password sign-in page (``settings.WEFT_LOGIN_PATHS``, Django admin's login by default).

    A POST is refused with 429 before the view runs when its address or
    username is locked; a POST that does not leave that user signed in is
    counted as a failure.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.method != "POST" or request.path_info not in settings.WEFT_LOGIN_PATHS:
            return self.get_response(request)
        address, username = client_address(request), str(request.POST.get("username", ""))
        wait = locked_for(address, username)
        if wait is not None:
            response = HttpResponse(message(wait), status=429, content_type="text/plain; charset=utf-8")
            response["Retry-After"] = str(wait)
            return response
        response = self.get_response(request)
        user = getattr(request, "user", None)
        if not (user is not None and user.is_authenticated and user.get_username() == username):
            failed(address, username)
        return response
