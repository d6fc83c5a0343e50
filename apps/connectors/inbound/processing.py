"""Processing stored deliveries: adapter, mapping, then an upsert into the form or a run of the flow.

Deliveries are taken oldest first in batches (SKIP LOCKED on PostgreSQL, so
workers share the backlog); each is processed in a savepoint of the batch's
transaction and its status is written with its effects, so a crash leaves it
``received`` and it is processed again, never half. A delivery whose data is
wrong (mapping, adapter, validation) is ``failed`` with the reason until a
person fixes the endpoint and reprocesses it; an unexpected error is retried
a few times first. An update older than the stored order (by the endpoint's
guard fields) is ``skipped``: orders never move backwards.
"""

from __future__ import annotations

import json
import logging
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import WeftError
from apps.expressions import ExpressionError
from apps.flows.engine.runner import start_run
from apps.forms.services.records import Kept, create_record, upsert_record

from ..models import Delivery, DeliveryStatus, Endpoint
from .mapping import map_data, scope, stored_is_newer

log = logging.getLogger(__name__)

BATCH_SIZE = 100
MAX_ATTEMPTS = 5


class DeliveryError(Exception):
    """The delivery cannot be processed as the endpoint is configured; a person must look."""

    def __init__(self, code: str, message: str):
        super().__init__(message)
        self.code = code


def process_pending(limit: int = 10000) -> int:
    """Process up to ``limit`` received deliveries, oldest first; how many were taken."""
    done = 0
    while done < limit:
        count = _batch(min(BATCH_SIZE, limit - done))
        if not count:
            break
        done += count
    return done


@transaction.atomic
def _batch(size: int) -> int:
    pending = Delivery.objects.filter(status=DeliveryStatus.RECEIVED).order_by("id")
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True, of=("self",))
    deliveries = list(pending.select_related("endpoint", "endpoint__form", "endpoint__flow")[:size])
    for delivery in deliveries:
        process(delivery)
    return len(deliveries)


def process(delivery: Delivery) -> None:
    """Process one delivery inside the caller's transaction and record the outcome on it."""
    delivery.attempts += 1
    try:
        with transaction.atomic():
            status, result = _apply(delivery)
        error = None
    except DeliveryError as exc:
        status, result, error = DeliveryStatus.FAILED, {}, {"code": exc.code, "message": str(exc)}
    except ExpressionError as exc:
        status, result, error = DeliveryStatus.FAILED, {}, {"code": "expression_error", "message": str(exc)}
    except WeftError as exc:
        status, result, error = DeliveryStatus.FAILED, {}, exc.as_data()
    except DatabaseError:
        raise
    except Exception as exc:  # a bug must not block the deliveries behind this one
        log.exception("processing delivery %s failed", delivery.pk)
        final = delivery.attempts >= MAX_ATTEMPTS
        status = DeliveryStatus.FAILED if final else DeliveryStatus.RECEIVED
        result, error = {}, {"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"[:1000]}
    delivery.status, delivery.result, delivery.error = status, result, error
    delivery.processed_at = timezone.now() if status != DeliveryStatus.RECEIVED else None
    delivery.save(update_fields=["status", "result", "error", "attempts", "processed_at"])


def _apply(delivery: Delivery) -> tuple[str, dict[str, Any]]:
    endpoint = delivery.endpoint
    body = json.loads(delivery.body) if delivery.body else {}
    order = body if delivery.pulled else _order(endpoint, body)
    context = scope(body, delivery.headers, order, {"id": delivery.delivery_id, "pk": delivery.pk,
                                                    "received_at": delivery.received_at.isoformat()})
    if endpoint.form_id:
        return _write(endpoint, context, order if order is not None else body)
    if endpoint.flow_id:
        return _run(endpoint, delivery, body, order)
    raise DeliveryError("no_target", _("The endpoint has neither a form nor a flow."))


def _order(endpoint: Endpoint, body: Any) -> dict | None:
    if not endpoint.adapter:
        return None
    from ..adapters import get_adapter, to_order

    return to_order(get_adapter(endpoint.adapter), body)


def _write(endpoint: Endpoint, context: dict, fallback: Any) -> tuple[str, dict[str, Any]]:
    form = endpoint.form
    data = map_data(endpoint.mapping, form, context, fallback)
    if not form.definition.get("unique_key"):
        record = create_record(form, data, member=None)
        return DeliveryStatus.PROCESSED, {"record": record.pk, "created": True}
    keep = stored_is_newer(endpoint.guard, data) if endpoint.guard else None
    try:
        record, created = upsert_record(form, data, member=None, keep=keep)
    except Kept as kept:
        return DeliveryStatus.SKIPPED, {"record": kept.record.pk, "reason": "older_than_stored"}
    return DeliveryStatus.PROCESSED, {"record": record.pk, "created": created}


def _run(endpoint: Endpoint, delivery: Delivery, body: Any, order: dict | None) -> tuple[str, dict[str, Any]]:
    flow = endpoint.flow
    if not flow.enabled:
        raise DeliveryError("flow_disabled", _("The flow '%(flow)s' is disabled.") % {"flow": flow.key})
    meta = {"type": "webhook", "endpoint": endpoint.key, "delivery": delivery.pk,
            "headers": {k: v for k, v in delivery.headers.items() if k.startswith("x-") or k == "content-type"}}
    input_ = {"trigger": meta, "body": body, "order": order}
    run = start_run(flow, trigger=meta, input_=input_, dedupe_key=f"delivery:{delivery.pk}:{delivery.attempts}")
    return DeliveryStatus.PROCESSED, {"run": run.pk if run else None}
