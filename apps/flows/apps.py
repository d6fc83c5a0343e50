from django.apps import AppConfig


class FlowsConfig(AppConfig):
    name = "apps.flows"
    label = "flows"

    def ready(self) -> None:
        from apps.core import outbox, schemas

        from . import steps, triggers  # noqa: F401  registers step and trigger types
        from .schema import flow_schema
        from .triggers import dispatch, hooks

        hooks.connect()
        outbox.subscribe("flows.record_events", dispatch.on_events)  # record triggers and event waits
        schemas.register("flow.schema.json", flow_schema)
        schemas.register_reference("step-types.md", step_reference)
        schemas.register_reference("trigger-types.md", trigger_reference)
        _register_periodic_tasks()


def _register_periodic_tasks() -> None:
    from django_celery_beat.models import IntervalSchedule

    from apps.core.schedules import Periodic, register

    seconds, days = IntervalSchedule.SECONDS, IntervalSchedule.DAYS
    register(Periodic("weft: wake due flow timers", "flows.wake_timers", 5, seconds))
    register(Periodic("weft: recover lost runs and undispatched events", "flows.sweep", 30, seconds))
    register(Periodic("weft: delete runs past their retention", "flows.purge_runs", 1, days))


def step_reference() -> str:
    from apps.core.reference import registry_reference

    from .steps import step_types

    intro = ("Every step has `id` and `type`, and optionally `name`, `description`, `retry` "
             "({attempts, delay_seconds, backoff, max_delay_seconds}), `on_error` (`fail`, `continue`, or "
             "{action: branch, steps}) and `disabled`. String options may hold `{{ expressions }}`; see "
             "`expressions.md`.")
    return registry_reference("Step types", step_types, "schema", intro)


def trigger_reference() -> str:
    from apps.core.reference import registry_reference

    from .triggers import trigger_types

    return registry_reference("Trigger types", trigger_types, "schema")
