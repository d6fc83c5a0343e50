"""When to try a failed message again: growing delays, jittered, for at most a day.

The n-th retry waits a random time anywhere in its band (full jitter within
the band), and each band starts where the previous one ends: roughly 5 s,
30 s, 2 min, 10 min, 30 min, 1 h, then every 2 to 4 hours. Jitter spreads the
retries of many messages that failed together (an endpoint that was down)
instead of sending them back all at once; the bands keep every retry later
than the one before. A ``Retry-After`` of a 429 or 503 is honoured up to an
hour when it asks for more patience than the band. Past ``MAX_AGE`` after
the message was made, there is no next attempt.
"""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from email.utils import parsedate_to_datetime

BANDS: tuple[tuple[float, float], ...] = ((1, 5), (5, 30), (30, 120), (120, 600), (600, 1800), (1800, 3600))
LATER = (2 * 3600.0, 4 * 3600.0)
MAX_AGE = timedelta(hours=24)
RETRY_AFTER_MAX = 3600.0
RETRY_AFTER_STATUSES = (429, 503)

_random = random.Random()


def band(failures: int) -> tuple[float, float]:
    """The range of the wait after the ``failures``-th failed attempt (1 for the first)."""
    return BANDS[failures - 1] if 1 <= failures <= len(BANDS) else LATER


def delay(failures: int, rng: random.Random | None = None) -> float:
    low, high = band(max(1, failures))
    return (rng or _random).uniform(low, high)


def next_attempt_at(created_at: datetime, now: datetime, failures: int, *, retry_after: float | None = None,
                    rng: random.Random | None = None) -> datetime | None:
    """The time of the next automatic attempt, or None when the message has run out of time.

    The last attempt is made at the deadline itself rather than skipped when
    the band reaches past it.
    """
    deadline = created_at + MAX_AGE
    if now >= deadline:
        return None
    wait = delay(failures, rng)
    if retry_after is not None:
        wait = max(wait, min(retry_after, RETRY_AFTER_MAX))
    return min(now + timedelta(seconds=wait), deadline)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a ``Retry-After`` header (delay-seconds or an HTTP date); None if absent or odd."""
    value = (value or "").strip()
    if not value:
        return None
    if value.isdigit():
        return float(value)
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, (when - now).total_seconds())
