"""Celery tasks: thin, id-based, safe to run twice. The database decides what actually happens."""

from __future__ import annotations

from celery import shared_task

from .engine import maintenance, runner


@shared_task(name="flows.execute_run", acks_late=True, reject_on_worker_lost=True, ignore_result=True)
def execute_run(run_id: int) -> str | None:
    status = runner.execute(run_id)
    runner.drain()
    return status


@shared_task(name="flows.sweep", ignore_result=True)
def sweep() -> dict:
    """Re-enqueue runs whose lease expired or whose message was lost; relay forgotten outbox events."""
    return maintenance.sweep()


@shared_task(name="flows.wake_timers", ignore_result=True)
def wake_timers() -> int:
    return maintenance.wake_due()


@shared_task(name="flows.start_scheduled", ignore_result=True)
def start_scheduled(flow_id: int) -> int | None:
    from .triggers.schedule import fire

    return fire(flow_id)


@shared_task(name="flows.purge_runs", ignore_result=True)
def purge_runs() -> int:
    return maintenance.purge_old_runs()
