"""Ask a worker to deliver due messages once the transaction that made them commits.

Once per transaction however many messages it made; never raises: with the
broker down the messages wait for the periodic delivery, which needs no
message of ours to arrive.
"""

from __future__ import annotations

import logging

from apps.core.transactions import on_commit_once

log = logging.getLogger(__name__)


def deliver_after_commit() -> None:
    on_commit_once(deliver_soon)


def deliver_soon() -> None:
    from ..tasks.outbound import deliver_outbound

    try:
        deliver_outbound.apply_async(retry=False)
    except Exception:  # the commit already happened; the periodic delivery picks the messages up
        log.warning("could not enqueue connectors.deliver_outbound; the periodic delivery will send",
                    exc_info=True)
