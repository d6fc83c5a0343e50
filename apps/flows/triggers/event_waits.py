"""Runs parked on "wait for event": an event of the watched record (and condition) wakes them.

A wait's ``match`` is ``{"form_id", "record_id", "condition"}``; a missing
``record_id`` watches every record of the form. The condition sees the same
scope as a record trigger's (``record`` is the record after the change).
"""

from __future__ import annotations

import logging

from django.utils import timezone

from apps.expressions import ExpressionError
from apps.forms.changes import Change

from ..engine.children import wake
from ..models import Wait
from . import conditions

log = logging.getLogger(__name__)


def matches(wait: Wait, change: Change) -> bool:
    match = wait.match or {}
    if wait.workspace_id != change.form.workspace_id:
        return False
    record_id = match.get("record_id")
    if record_id not in (None, "") and str(record_id) != str(change.record_id):
        return False
    try:
        return conditions.holds(match.get("condition"), change.scope())
    except ExpressionError as exc:
        # The run keeps waiting (until its timeout); the message says which wait is broken.
        log.warning("run %s, wait %s: %s", wait.run_id, wait.path, exc)
        return False


def resolve_waits(waits: list[Wait], change: Change) -> list[Wait]:
    """Resolve and wake the waits ``change`` satisfies; return those still waiting."""
    still = []
    for wait in waits:
        if not matches(wait, change):
            still.append(wait)
            continue
        data = {k: v for k, v in (change.record or {}).items() if k != "id"}
        # The same shape as the wait step's own result when the condition already held.
        result = {"record": data, "id": change.record_id, "version": change.version, "event": change.event,
                  "event_id": change.event_id}
        if Wait.objects.filter(pk=wait.pk, resolved_at__isnull=True).update(resolved_at=timezone.now(),
                                                                           result=result):
            wake(wait.run_id)
    return still
