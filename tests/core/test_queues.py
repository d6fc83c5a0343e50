"""Each kind of work has a queue of its own, and the worker ``serve`` starts consumes them all."""

from __future__ import annotations

from apps.celery import app
from apps.core import queues
from apps.core.management.commands.serve import children


def _queue_of(task_name: str) -> str:
    return app.amqp.router.route({}, task_name)["queue"].name


def test_every_task_of_weft_goes_to_the_queue_of_its_kind_of_work():
    app.loader.import_default_modules()
    ours = [name for name in app.tasks if not name.startswith("celery.")]
    assert ours
    routed = {name: _queue_of(name) for name in ours}
    assert set(routed.values()) <= set(queues.GROUPS)
    assert routed["connectors.process_deliveries"] == "intake"
    assert routed["flows.execute_run"] == "runs"
    assert routed["flows.dispatch_events"] == "events"
    assert routed["flows.sweep"] == routed["flows.wake_timers"] == "maintenance"
    assert routed["connectors.deliver_outbound"] == "outbound"


def test_the_prefix_of_an_installation_names_its_queues(settings):
    settings.WEFT_CELERY_QUEUE_PREFIX = "shop1-"
    assert queues.route("flows.execute_run") == {"queue": "shop1-runs"}
    assert queues.route("an.unknown.task") == {"queue": "shop1-celery"}


def _queues_of(argv: list[str]) -> set[str]:
    return set(argv[argv.index("-Q") + 1].split(","))


def test_serve_starts_one_worker_that_consumes_every_queue():
    workers = [child for child in children("127.0.0.1", 8000, 2) if "worker" in child.argv]
    assert [child.name for child in workers] == ["worker"]
    assert _queues_of(workers[0].argv) == {"intake", "runs", "events", "maintenance", "outbound", "celery"}


def test_serve_can_start_one_worker_per_queue_so_that_none_waits_behind_another():
    workers = [child for child in children("127.0.0.1", 8000, 2, worker_per_queue=True) if "worker" in child.argv]
    assert {child.name: _queues_of(child.argv) for child in workers} == {
        "worker-intake": {"intake"}, "worker-runs": {"runs"}, "worker-events": {"events"},
        "worker-maintenance": {"maintenance", "celery"}, "worker-outbound": {"outbound"}}
