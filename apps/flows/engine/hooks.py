"""Extension points of the engine that apps built on flows plug into, explicitly (no signals).

- ``run_finished``: called with the run, its final status and its error when
  a run succeeds, fails or is cancelled, inside the transaction that records
  that status, so what a consumer writes (an outbox event, say) commits with
  it or not at all. Runs are hot: a consumer with nothing to do must return
  without touching the database.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from ..models import Run

RunFinished = Callable[["Run", str, "dict | None"], None]

_run_finished: list[RunFinished] = []


def on_run_finished(consumer: RunFinished) -> None:
    if consumer not in _run_finished:
        _run_finished.append(consumer)


def run_finished(run: Run, status: str, error: dict | None) -> None:
    for consumer in _run_finished:
        consumer(run, status, error)
