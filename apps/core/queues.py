"""Which Celery queue each task goes to, so that a burst or a slow subscriber in one starves no other.

Intake, runs, the outbox relay, maintenance and outbound delivery each have a
queue; ``celery -A apps worker -Q <queues>`` picks which a worker consumes.
Maintenance also takes Celery's default queue: a task no route names, and
messages queued before the routes existed, still find a worker there.
``WEFT_CELERY_QUEUE_PREFIX`` prefixes every name, so that several installations
(or test runs) can share one broker.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings

DEFAULT = "celery"

# Queue group -> the task names it carries.
GROUPS: dict[str, tuple[str, ...]] = {
    "intake": ("connectors.process_deliveries",),
    "runs": ("flows.execute_run",),
    "events": ("flows.dispatch_events",),
    "maintenance": ("flows.sweep", "flows.wake_timers", "flows.start_scheduled", "flows.purge_runs",
                    "connectors.pull_due", "connectors.push_stock", "apps.core.tasks.purge_idempotency_keys"),
    "outbound": ("connectors.deliver_outbound",),
}

_GROUP_OF = {task: group for group, tasks in GROUPS.items() for task in tasks}


def queue_name(name: str) -> str:
    return f"{settings.WEFT_CELERY_QUEUE_PREFIX}{name}"


def group_queues(group: str) -> list[str]:
    """The queues a worker for ``group`` consumes (maintenance also takes the default queue)."""
    names = [group, DEFAULT] if group == "maintenance" else [group]
    return [queue_name(name) for name in names]


def all_queues() -> list[str]:
    return [queue for group in GROUPS for queue in group_queues(group)]


def route(name: str, args: Any = None, kwargs: Any = None, options: Any = None, task: Any = None,
          **kw: Any) -> dict[str, str]:
    """Celery router: the task's own queue, or the default queue for a task no group names."""
    return {"queue": queue_name(_GROUP_OF.get(name, DEFAULT))}
