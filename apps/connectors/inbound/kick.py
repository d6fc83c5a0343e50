"""Asking a worker to process new deliveries: at most one broker message per short interval per process.

A broker message per delivery would cost more than storing it. Within an
interval the first delivery sends the message at once and the next ones arm
one trailing message at the interval's end, so every delivery is followed by
a wake-up sent after it was stored. A worker that is woken processes
everything pending; a periodic sweep covers a message the broker lost.
"""

from __future__ import annotations

import logging
import threading
import time

log = logging.getLogger(__name__)

INTERVAL = 0.05
_last = 0.0
_armed = False
_lock = threading.Lock()


def process_soon() -> None:
    global _last, _armed
    with _lock:
        wait = _last + INTERVAL - time.monotonic()
        if wait <= 0:
            _last = time.monotonic()
        elif _armed:
            return
        else:
            _armed = True
            timer = threading.Timer(wait, _trailing)
            timer.daemon = True
            timer.start()
            return
    _send()


def _trailing() -> None:
    global _last, _armed
    with _lock:
        _armed = False
        _last = time.monotonic()
    _send()


def _send() -> None:
    from ..tasks.inbound import process_deliveries

    try:
        process_deliveries.apply_async(retry=False)
    except Exception:  # the delivery is stored; the sweep will process it
        log.warning("could not enqueue connectors.process_deliveries; the sweep will", exc_info=True)
