"""Finished runs become outbox events (``run.succeeded``, ``run.failed``) when someone subscribes to them.

Written in the run's own transaction, so the event exists exactly when the
status does; from there the outbox carries it like any record event.
"""

from __future__ import annotations

from apps.forms.services.events import append_event

from .events import RUN_EVENTS
from .subscribers import run_types


def run_finished(run, status: str, error: dict | None) -> None:
    event_type = f"run.{status}"
    if event_type not in RUN_EVENTS or event_type not in run_types(run.workspace_id):
        return
    append_event(run.workspace_id, event_type, {"run": run.pk, "flow": run.flow.key,
                                                "flow_version": run.flow_version, "status": status,
                                                "error": error})
