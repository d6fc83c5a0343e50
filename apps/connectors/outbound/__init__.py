"""Outbound webhooks: subscriptions, the fan-out of outbox events into messages, and their delivery.

``connect()`` plugs the fan-out into the dispatcher of the forms outbox and
the run events into the flow engine (called once from ConnectorsConfig.ready).
"""

from __future__ import annotations


def connect() -> None:
    from apps.flows.engine import hooks as engine_hooks
    from apps.forms import hooks as form_hooks

    from .fanout import fan_out
    from .run_events import run_finished

    form_hooks.on_events_dispatched(fan_out)
    engine_hooks.on_run_finished(run_finished)
