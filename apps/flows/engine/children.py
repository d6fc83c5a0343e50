"""Runs started by ``call_flow``: the parent waits on a child wait that the child's end resolves."""

from __future__ import annotations

from typing import Any

from django.utils import timezone

from .. import kick
from ..models import Run, RunStatus, Wait


def notify_parent(run_id: int, status: str, output: Any, error: dict | None) -> None:
    child = Run.objects.filter(pk=run_id).values("parent_id", "parent_step").first()
    if not child or not child["parent_id"]:
        return
    resolved = Wait.objects.filter(run_id=child["parent_id"], path=child["parent_step"],
                                   resolved_at__isnull=True).update(
        resolved_at=timezone.now(), result={"run": run_id, "status": status, "output": output, "error": error})
    if resolved:
        wake(child["parent_id"])


def wake(run_id: int) -> None:
    """Make a waiting run claimable now and enqueue it after commit."""
    Run.objects.filter(pk=run_id, status=RunStatus.WAITING).update(wake_at=timezone.now())
    kick.execute_after_commit(run_id)
