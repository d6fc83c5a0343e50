"""Extension points that apps built on flows plug into, explicitly (no signals).

- ``run_finished``: called with the run, its final status and its error when
  a run succeeds, fails or is cancelled, inside the transaction that records
  that status, so what a consumer writes (an outbox event, say) commits with
  it or not at all. Runs are hot: a consumer with nothing to do must return
  without touching the database.
- ``flow_saved``: called with a flow after it was created, changed, enabled
  or disabled, inside that transaction, so what another app keeps in step
  with the definition (the endpoint of a webhook trigger) commits or rolls
  back with it. A handler that fails fails the save.
- ``flow_deleted``: called with a flow inside the transaction that deletes
  it, before its row goes, so rows that point at it can go first.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from .models import Flow, Run

RunFinished = Callable[["Run", str, "dict | None"], None]
FlowHandler = Callable[["Flow"], None]

_run_finished: list[RunFinished] = []
_flow_saved: list[FlowHandler] = []
_flow_deleted: list[FlowHandler] = []


def on_run_finished(consumer: RunFinished) -> None:
    if consumer not in _run_finished:
        _run_finished.append(consumer)


def run_finished(run: Run, status: str, error: dict | None) -> None:
    for consumer in _run_finished:
        consumer(run, status, error)


def on_flow_saved(handler: FlowHandler) -> None:
    if handler not in _flow_saved:
        _flow_saved.append(handler)


def on_flow_deleted(handler: FlowHandler) -> None:
    if handler not in _flow_deleted:
        _flow_deleted.append(handler)


def flow_saved(flow: Flow) -> None:
    for handler in _flow_saved:
        handler(flow)


def flow_deleted(flow: Flow) -> None:
    for handler in _flow_deleted:
        handler(flow)
