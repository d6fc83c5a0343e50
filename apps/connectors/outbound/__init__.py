"""Outbound webhooks: subscriptions, the fan-out of outbox events into messages, and their delivery.

``connect()`` subscribes the fan-out to the core's outbox relay and the run
events to the flow engine's hooks (called once from ConnectorsConfig.ready).
"""

from __future__ import annotations


def connect() -> None:
    from apps.core import outbox
    from apps.flows import hooks as flow_hooks

    from .fanout import fan_out
    from .run_events import run_finished

    outbox.subscribe("connectors.outbound", fan_out)
    flow_hooks.on_run_finished(run_finished)
