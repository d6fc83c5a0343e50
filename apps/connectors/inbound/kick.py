"""Asking a worker to process new deliveries: at most one broker message per short interval per process.

A broker message per delivery would cost more than storing it. ``process_soon``
only raises a flag; a thread of this process sends the message, then waits an
interval before it looks at the flag again. The flag is lowered before the
message is sent, so every delivery is followed by a wake-up sent after it was
stored. Sending never holds up the caller (the intake's group commit answers
the next requests meanwhile). A worker that is woken processes everything
pending; a periodic sweep covers a message the broker lost.
"""

from __future__ import annotations

import logging
import os
import threading
import time

log = logging.getLogger(__name__)

INTERVAL = 0.05
_lock = threading.Lock()
_wanted = threading.Event()
_pid = 0


def process_soon() -> None:
    global _pid, _wanted
    if _pid != os.getpid():  # first call in this process, or in a forked child
        with _lock:
            if _pid != os.getpid():
                _wanted = threading.Event()
                threading.Thread(target=_run, args=(_wanted,), name="weft-process-soon", daemon=True).start()
                _pid = os.getpid()
    _wanted.set()


def _run(wanted: threading.Event) -> None:
    while True:
        wanted.wait()
        wanted.clear()
        _send()
        time.sleep(INTERVAL)


def _send() -> None:
    from ..tasks.inbound import process_deliveries

    try:
        process_deliveries.apply_async(retry=False)
    except Exception:  # the delivery is stored; the sweep will process it
        log.warning("could not enqueue connectors.process_deliveries; the sweep will", exc_info=True)
