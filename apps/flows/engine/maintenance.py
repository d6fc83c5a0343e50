"""What beat does for the engine: wake due timers, recover lost runs, apply retention."""

from __future__ import annotations

from datetime import timedelta

from django.db.models import Q
from django.utils import timezone

from apps.core import outbox

from .. import kick
from ..models import FINAL_STATUSES, Flow, Run, RunStatus, Wait
from .limits import flow_settings, lease_seconds
from .runner import schedule_flow


def wake_due() -> int:
    """Resolve timers that are due and enqueue their runs (timers live in the database)."""
    now = timezone.now()
    expired = Wait.objects.filter(resolved_at__isnull=True, kind=Wait.Kind.EVENT, wake_at__lte=now)
    expired.update(resolved_at=now, result={"timed_out": True})
    due = list(Run.objects.filter(status=RunStatus.WAITING, wake_at__lte=now).values_list("id", flat=True)[:5000])
    kick.execute_runs(due)
    return len(due)


def sweep() -> dict:
    """Runs whose worker died (lease expired) or whose message was lost go back to the queue.

    The outbox's events that no relay took go to the relay here too: beat runs
    this sweep, and the relay's own message may be the one that was lost.
    """
    now = timezone.now()
    stale = now - timedelta(seconds=lease_seconds())
    lost = list(Run.objects.filter(status=RunStatus.RUNNING, lease_expires_at__lt=now)
                .values_list("id", flat=True)[:5000])
    kick.execute_runs(lost)
    flows = set(Run.objects.filter(status=RunStatus.QUEUED).filter(
        Q(enqueued_at__isnull=True) | Q(enqueued_at__lt=stale)).values_list("flow_id", flat=True).distinct())
    for flow_id in flows:
        schedule_flow(flow_id)
    dispatched = outbox.dispatch_pending(older_than_seconds=5)
    return {"lost": len(lost), "flows": len(flows), "events": dispatched, "woken": wake_due()}


def purge_old_runs() -> int:
    deleted = 0
    for flow in Flow.objects.only("id", "definition").iterator():
        days = int(flow_settings(flow.definition)["retention_days"])
        cutoff = timezone.now() - timedelta(days=days)
        _total, per_model = Run.objects.filter(flow=flow, status__in=FINAL_STATUSES, finished_at__lt=cutoff).delete()
        deleted += per_model.get(Run._meta.label, 0)
    return deleted
