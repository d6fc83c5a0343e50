"""The endpoint of each webhook-triggered flow, kept in step with the flow's definition.

A flow's webhook URL (``/api/v1/hooks/flows/<token>/``) is served by the
intake like any endpoint's, so its deliveries are verified, stored before
they are answered, deduplicated and can be reprocessed. The flow's trigger
says what to check (``WebhookTrigger.intake``); the endpoint holds the same
token, so the URL a sender knows keeps working. The flows app calls these
handlers inside the transaction that saves or deletes the flow.
"""

from __future__ import annotations

from typing import Any

from django.db import transaction

from apps.flows.models import Flow
from apps.flows.triggers import trigger_types

from ..models import Endpoint
from . import intake

WEBHOOK = "webhook"
MODE = "url_token"
KEY_PREFIX = "flow-"
MAX_KEY = 80


def endpoint_of(flow: Flow) -> Endpoint | None:
    """The endpoint of ``flow``'s webhook trigger, if it has one (its token is the flow's)."""
    if not flow.webhook_token:
        return None
    return Endpoint.objects.select_for_update().filter(flow=flow, token=flow.webhook_token).first()


def is_flow_trigger(endpoint: Endpoint) -> bool:
    return bool(endpoint.flow_id and endpoint.flow.webhook_token == endpoint.token)


def verification(options: dict[str, Any]) -> dict[str, str]:
    """The endpoint's verification for a trigger's ``intake`` options."""
    shown = {"mode": MODE, "header": options["secret_header"]}
    if options.get("id_header"):
        shown["id_header"] = options["id_header"]
    return shown


def flow_saved(flow: Flow) -> None:
    """Create, change, disable the endpoint so that it answers exactly as the flow's definition says.

    A flow that is disabled, or no longer started by webhooks, keeps its
    endpoint disabled (its URL answers 404, its deliveries stay to be seen
    and reprocessed); enabling it again, or making it a webhook flow again,
    brings the same URL back.
    """
    endpoint = endpoint_of(flow)
    if flow.trigger_type != WEBHOOK or not flow.webhook_token:
        if endpoint is not None and endpoint.enabled:
            endpoint.enabled = False
            endpoint.save(update_fields=["enabled", "updated_at"])
            _forget(endpoint.token)
        return
    options = trigger_types.get(WEBHOOK).intake(flow)
    values = {"name": flow.name or flow.key, "app_id": flow.app_id, "verification": verification(options),
              "secret": options["secret"], "previous_secret": "", "previous_secret_expires_at": None,
              "max_body_bytes": options["max_body_bytes"], "enabled": flow.enabled}
    if endpoint is None:
        Endpoint.objects.create(workspace_id=flow.workspace_id, key=free_key(flow), token=options["token"],
                                flow=flow, **values)
        return
    changed = [name for name, value in values.items() if getattr(endpoint, name) != value]
    if changed:
        for name in changed:
            setattr(endpoint, name, values[name])
        endpoint.save(update_fields=[*(name.removesuffix("_id") for name in changed), "updated_at"])
        _forget(endpoint.token)


def flow_deleted(flow: Flow) -> None:
    """The flow goes, and its endpoint with its deliveries (its runs go too)."""
    endpoint = endpoint_of(flow)
    if endpoint is not None:
        endpoint.delete()
        _forget(flow.webhook_token)


def free_key(flow: Flow) -> str:
    """``flow-<flow key>``, or with ``-2``, ``-3``... when an endpoint of the workspace already has it."""
    base = (KEY_PREFIX + flow.key)[:MAX_KEY]
    taken = set(Endpoint.objects.filter(workspace_id=flow.workspace_id, key__startswith=base[:MAX_KEY - 6])
                .values_list("key", flat=True))
    key, number = base, 1
    while key in taken:
        number += 1
        suffix = f"-{number}"
        key = base[:MAX_KEY - len(suffix)] + suffix
    return key


def _forget(token: str) -> None:
    """Now, for this process's next request, and after the commit, for a request that cached it meanwhile."""
    intake.forget(token)
    transaction.on_commit(lambda: intake.forget(token))
