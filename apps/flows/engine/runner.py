"""Starting, executing, parking and finishing runs.

The database is the source of truth: a run is claimed with a lease before it
executes, every outcome ends in a status row (even on crash paths), and the
broker only ever carries run ids, so a lost message costs a delay, never a run.
"""

from __future__ import annotations

import logging
import os
import socket
import time
from datetime import timedelta
from functools import partial
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import F, Min, Q
from django.db.models.functions import Coalesce, Now
from django.utils import timezone

from apps.core.transactions import on_commit_once
from apps.forms.conversion import json_value

from .. import hooks, kick
from ..models import ACTIVE_STATUSES, Flow, FlowVersion, Run, RunStatus, StepRun, StepStatus, Wait
from .breaker import record_outcome
from .children import notify_parent
from .context import RunState
from .interpreter import interpreter
from .journal import DbJournal
from .limits import flow_settings, global_limit, lease_seconds
from .signals import RunCancelled, RunFailed, StopSignal, WaitSignal

log = logging.getLogger(__name__)

WORKER_ID = f"{socket.gethostname()}:{os.getpid()}"


def schedule_next(flow_id: int) -> list[int]:
    """After a run ends: the same flow's next runs, or else the flow that has waited longest."""
    ids = schedule_flow(flow_id)
    if ids:
        return ids
    # Only flows that can start a run: a paused flow's old queued runs must not stand in front of the others.
    waiting = (Run.objects.filter(status=RunStatus.QUEUED, enqueued_at__isnull=True, flow__enabled=True,
                                  flow__paused_at__isnull=True).exclude(flow_id=flow_id)
               .order_by("id").values_list("flow_id", flat=True).first())
    return schedule_flow(waiting) if waiting else []


def _enqueue(run_ids: list[int]) -> None:
    kick.execute_runs(run_ids)


def start_run(flow: Flow, *, trigger: dict, input_: dict, dedupe_key: str | None = None, actor=None,
              parent: Run | None = None, parent_step: str = "") -> Run | None:
    """Queue a run of the flow's current version; None when ``dedupe_key`` already made one."""
    try:
        with transaction.atomic():
            run = Run.objects.create(workspace_id=flow.workspace_id, flow=flow, flow_version=flow.version,
                                     trigger=trigger, input=input_, dedupe_key=dedupe_key, started_by=actor,
                                     parent=parent, parent_step=parent_step)
    except IntegrityError:
        return None
    schedule_after_commit(flow.pk)
    return run


def schedule_after_commit(flow_id: int) -> None:
    """Once per flow per transaction, however many runs it queued."""
    on_commit_once(schedule_flow, flow_id)


def schedule_flow(flow_id: int) -> list[int]:
    """Enqueue queued runs of the flow up to its concurrency limit, oldest first.

    Runs wait in the database, not in the broker, so a flood on one flow never
    stands in front of another flow's runs.
    """
    flow = Flow.objects.filter(pk=flow_id).only("definition", "enabled", "paused_at").first()
    if flow is None or not flow.active:
        return []
    limit = int(flow_settings(flow.definition)["concurrency"])
    stale = timezone.now() - timedelta(seconds=lease_seconds())
    in_flight = Q(status=RunStatus.RUNNING) | Q(status=RunStatus.QUEUED, enqueued_at__gt=stale)
    with transaction.atomic():
        busy = Run.objects.filter(flow_id=flow_id).filter(in_flight).count()
        free = max(0, limit - busy)
        if free:
            free = min(free, max(0, global_limit() - Run.objects.filter(in_flight).count()))
        if not free:
            return []
        ids = list(Run.objects.filter(flow_id=flow_id, status=RunStatus.QUEUED)
                   .filter(Q(enqueued_at__isnull=True) | Q(enqueued_at__lte=stale))
                   .select_for_update(skip_locked=True)
                   .order_by("id").values_list("id", flat=True)[:free])
        Run.objects.filter(pk__in=ids).update(enqueued_at=timezone.now())
    _enqueue(ids)
    return ids


def claim(run_id: int, worker: str = WORKER_ID) -> Run | None:
    """Take the run's lease if nobody holds a live one.

    A queued run of a paused or disabled flow does not start, even if its
    message was sent before the flow stopped: it stays queued (as never sent)
    and ``schedule_flow`` sends it again once the flow is resumed.
    """
    now = timezone.now()
    claimable = Q(status=RunStatus.QUEUED) | Q(status=RunStatus.RUNNING, lease_expires_at__lt=now) | \
        Q(status=RunStatus.WAITING, wake_at__lte=now)
    stopped = Run.objects.filter(pk=run_id, status=RunStatus.QUEUED).exclude(
        flow__enabled=True, flow__paused_at__isnull=True).exists()
    if stopped:
        claimable = Q(status=RunStatus.RUNNING, lease_expires_at__lt=now) | Q(status=RunStatus.WAITING,
                                                                               wake_at__lte=now)
    # Conditions on the run's own row only: PostgreSQL re-checks them after waiting for a concurrent
    # claim's lock, so two workers can never both take the run (a join would be evaluated only once).
    updated = Run.objects.filter(claimable, pk=run_id).update(
        status=RunStatus.RUNNING, lease_owner=worker, lease_expires_at=now + timedelta(seconds=lease_seconds()),
        attempts=F("attempts") + 1, started_at=Coalesce(F("started_at"), Now()), wake_at=None)
    if not updated:
        if stopped:  # as never sent: schedule_flow sends it again once the flow runs
            Run.objects.filter(pk=run_id, status=RunStatus.QUEUED).update(enqueued_at=None)
        return None
    return Run.objects.select_related("flow", "workspace", "flow__owner", "flow__trigger_form").get(pk=run_id)


def execute(run_id: int, worker: str = WORKER_ID) -> str | None:
    """Run (or resume) one run to its next resting point; returns the status reached."""
    run = claim(run_id, worker)
    if run is None:
        return None
    definition = FlowVersion.objects.filter(flow_id=run.flow_id, version=run.flow_version) \
        .values_list("definition", flat=True).first() or run.flow.definition
    state = RunState(workspace=run.workspace, flow_key=run.flow.key, definition=definition,
                     journal=DbJournal(run), input=run.input or {}, variables=dict(run.variables or {}),
                     actor=run.started_by or run.flow.owner, run=run, form=run.flow.trigger_form)
    state.on_step_done = partial(_keep_lease, run)
    status = RunStatus.FAILED
    try:
        interpreter.run(state)
    except WaitSignal:
        status = RunStatus.WAITING
        _park(run, state)
    except RunCancelled:
        status = RunStatus.CANCELLED
    except StopSignal as stop:
        status = RunStatus.SUCCEEDED
        _finish(run, state, status, output=stop.output)
    except RunFailed as failed:
        _finish(run, state, status, error=failed.error)
    except Exception as exc:
        log.exception("run %s crashed", run_id)
        _finish(run, state, status, error={"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"})
    else:
        status = RunStatus.SUCCEEDED
        _finish(run, state, status, output=_run_output(state))
    finally:
        transaction.on_commit(partial(schedule_next, run.flow_id))
    return status


def drain(worker: str = WORKER_ID, *, max_runs: int = 200, max_seconds: float = 2.0) -> int:
    """Execute runs that were already sent to the broker, straight from the database.

    Their messages still arrive later and find nothing to claim. Taking them
    here spares each run a trip through the broker, which on the embedded file
    broker costs more than running the flow; the per-flow limits hold because
    only runs ``schedule_flow`` sent (``enqueued_at`` set) are taken.
    """
    deadline = time.monotonic() + max_seconds
    done = 0
    skipped: set[int] = set()
    while done < max_runs and time.monotonic() < deadline:
        run_id = (Run.objects.filter(status=RunStatus.QUEUED, enqueued_at__isnull=False).exclude(pk__in=skipped)
                  .order_by("id").values_list("id", flat=True).first())
        if run_id is None:
            break
        if execute(run_id, worker) is None:
            skipped.add(run_id)
            continue
        done += 1
    return done


def _run_output(state: RunState) -> Any:
    output = state.definition.get("output")
    if output is None:
        return None
    from .context import StepContext

    ctx = StepContext(state, {"id": "output", "type": "output"}, "output", {}, interpreter)
    return json_value(ctx.eval(output, "output"))


def _park(run: Run, state: RunState) -> None:
    """Park the run until its earliest timer, or wake it at once if a wait was resolved while it executed.

    A child run, an event or an approval may resolve a wait between the step
    that made it and this park: their ``wake`` found the run still running and
    did nothing. The waits this execution saw open are locked before the run
    is parked, so a resolver either finished before (and is noticed here) or
    comes after (and finds the run waiting).
    """
    seen_open = [w.pk for w in getattr(state.journal, "wait_rows", {}).values() if w.resolved_at is None]
    with transaction.atomic():
        resolved = any(Wait.objects.select_for_update().filter(pk__in=seen_open)
                       .values_list("resolved_at", flat=True))
        wake_at = Wait.objects.filter(run=run, resolved_at__isnull=True).aggregate(w=Min("wake_at"))["w"]
        if resolved:
            wake_at = timezone.now()
        parked = Run.objects.filter(pk=run.pk, lease_owner=run.lease_owner).update(
            status=RunStatus.WAITING, variables=state.variables, wake_at=wake_at, lease_owner="",
            lease_expires_at=None)
        if parked and resolved:
            transaction.on_commit(partial(_enqueue, [run.pk]))


def _finish(run: Run, state: RunState, status: str, *, output: Any = None, error: dict | None = None) -> None:
    with transaction.atomic():
        updated = Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING).update(
            status=status, output=output, error=error, variables=state.variables, finished_at=timezone.now(),
            lease_owner="", lease_expires_at=None)
        if not updated:
            return
        record_outcome(run.flow_id, status == RunStatus.SUCCEEDED, error)
        notify_parent(run.pk, status, output, error)
        hooks.run_finished(run, status, error)


def _keep_lease(run: Run) -> None:
    """Between steps: stop if the run was cancelled (or taken over), and renew a lease that is half spent."""
    now = timezone.now()
    if run.lease_expires_at and (run.lease_expires_at - now).total_seconds() > lease_seconds() / 2:
        if not Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING, lease_owner=run.lease_owner).exists():
            raise RunCancelled()
        return
    if not heartbeat(run):
        raise RunCancelled()
    run.lease_expires_at = now + timedelta(seconds=lease_seconds())


def heartbeat(run: Run) -> bool:
    """Extend the lease; False when the run was cancelled or taken over meanwhile."""
    return bool(Run.objects.filter(pk=run.pk, status=RunStatus.RUNNING, lease_owner=run.lease_owner).update(
        lease_expires_at=timezone.now() + timedelta(seconds=lease_seconds())))


def cancel(run: Run) -> bool:
    error = {"code": "cancelled", "message": "cancelled"}
    with transaction.atomic():
        updated = Run.objects.filter(pk=run.pk, status__in=ACTIVE_STATUSES).update(
            status=RunStatus.CANCELLED, finished_at=timezone.now(), lease_owner="", lease_expires_at=None,
            error=error)
        Wait.objects.filter(run=run, resolved_at__isnull=True).delete()
        if updated:
            notify_parent(run.pk, RunStatus.CANCELLED, None, error)
            hooks.run_finished(run, RunStatus.CANCELLED, error)
    schedule_after_commit(run.flow_id)
    return bool(updated)


def retry(run: Run) -> bool:
    """Run a failed run again from its failed step; completed steps are not repeated."""
    with transaction.atomic():
        if not Run.objects.filter(pk=run.pk, status=RunStatus.FAILED).update(
                status=RunStatus.QUEUED, error=None, finished_at=None, enqueued_at=None):
            return False
        failed = list(StepRun.objects.filter(run=run, status__in=[StepStatus.FAILED, StepStatus.RUNNING])
                      .values_list("path", flat=True))
        StepRun.objects.filter(run=run, path__in=failed).delete()
        Wait.objects.filter(run=run).filter(_retry_waits(failed)).delete()
        _ask_children_again(run, failed)
    schedule_after_commit(run.flow_id)
    return True


def _ask_children_again(run: Run, paths: list[str]) -> None:
    """A failed ``call_flow`` step asks its child again instead of reading the old failure.

    The child is not started twice (its dedupe key is the step's): a failed
    child is retried from its own failed step, one that succeeded meanwhile
    (retried on its own) gives its new result, and an active one resolves the
    wait when it ends. A cancelled child stays cancelled.
    """
    for wait in Wait.objects.filter(run=run, kind=Wait.Kind.CHILD, path__in=paths):
        child = Run.objects.filter(parent=run, parent_step=wait.path).order_by("-pk").first()
        if child is None:
            wait.delete()
        elif child.status in ACTIVE_STATUSES or (child.status == RunStatus.FAILED and retry(child)):
            Wait.objects.filter(pk=wait.pk).update(resolved_at=None, result=None)
        else:
            Wait.objects.filter(pk=wait.pk).update(resolved_at=timezone.now(), result={
                "run": child.pk, "status": child.status, "output": child.output, "error": child.error})


def _retry_waits(paths: list[str]) -> Q:
    q = Q(pk__in=[])
    for path in paths:
        q |= Q(path__startswith=f"{path}~retry")
    return q
