"""Sending run ids to workers: the one place the engine and the triggers reach the Celery tasks.

The tasks module imports the engine, so the engine never imports it: it asks
here, and the task module is imported only when a message is sent. The broker
only ever carries run ids; the database decides what a worker does with them,
so a message sent twice, or lost and re-sent by the sweeper, costs nothing.
"""

from __future__ import annotations

from collections.abc import Iterable
from functools import partial

from django.db import transaction


def execute_runs(run_ids: Iterable[int]) -> None:
    """Send each run to a worker now (the caller has committed what the worker will read)."""
    from .tasks import execute_run

    for run_id in run_ids:
        execute_run.delay(run_id)


def execute_after_commit(run_id: int) -> None:
    """Send the run to a worker once the current transaction commits (at once outside one)."""
    transaction.on_commit(partial(execute_runs, [run_id]))
