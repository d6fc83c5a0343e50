"""Processing stored deliveries: adapter, mapping, then an upsert into the form or a run of the flow.

Deliveries are taken in batches shared fairly: each workspace with work
waiting gets its share of a batch, split among its endpoints, and each
endpoint gives its oldest deliveries (SKIP LOCKED on PostgreSQL, so workers
share the backlog), so a flood into one workspace delays no other. Each
delivery is processed in a savepoint of the batch's transaction and its
status is written with its effects, so a crash leaves it ``received`` and it
is processed again, never half. A delivery whose data is wrong (mapping,
adapter, validation, a body that cannot be stored) is ``failed`` with the
reason until a person fixes the endpoint and reprocesses it; an unexpected
error, the database's included, is retried a few times first. Should the
batch's transaction itself fail, it is rolled back and each of its deliveries
is processed again in a transaction of its own; one that fails even so has
the attempt counted in another, so a poisoned delivery ends ``failed`` and
never holds up the deliveries behind it. An update older than the stored
order (by the endpoint's guard fields) is ``skipped``: orders never move
backwards.

Deliveries bound for the same form with a unique key go through the records
service's bulk upsert, a round at a time: each round holds at most one
delivery per record key (the first of each key, then the second...), so the
records see the same changes in the same order as one by one. A round the
bulk upsert refuses (a validation error, a conflict, a rule) is rolled back
and its deliveries are processed one by one, which gives each its own
outcome; so does a delivery whose mapping fails. The outcome of every
delivery is then the one the single path would give, for a few queries per
round instead of a dozen per delivery.
"""

from __future__ import annotations

import json
import logging
from dataclasses import dataclass
from typing import Any

from django.db import DatabaseError, connection, transaction
from django.db.models import OuterRef, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.core.errors import WeftError
from apps.core.strict_json import StrictJSONError, loads, storable, unstorable
from apps.expressions import ExpressionError
from apps.flows.services import start_delivery_run
from apps.forms.fields import WriteContext
from apps.forms.models import Form, Record
from apps.forms.services.records import (
    Kept,
    bulk_write,
    create_record,
    key_from_input,
    upsert_record,
)

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
    """Process up to ``limit`` received deliveries, a fair share of each workspace's; how many were taken."""
    done = 0
    while done < limit:
        count = _batch(min(BATCH_SIZE, limit - done))
        if not count:
            break
        done += count
    return done


def _batch(size: int) -> int:
    """One batch in one transaction; if that transaction fails, each of its deliveries in its own."""
    taken: list[int] = []
    try:
        with transaction.atomic():
            deliveries = _take(size)
            taken = [delivery.pk for delivery in deliveries]
            _process_batch(deliveries)
    except Exception:
        if not taken:
            raise
        log.exception("a batch of %d deliveries failed; processing them one at a time", len(taken))
        for pk in taken:
            _alone(pk)
    return len(taken)


def _take(size: int) -> list[Delivery]:
    """Up to ``size`` received deliveries, locked: an equal share per workspace, split among its endpoints.

    Workspaces come in the order of their oldest waiting delivery, each
    endpoint gives its oldest; a share one leaves unused goes to the others.
    """
    oldest = Delivery.objects.filter(endpoint=OuterRef("pk"), status=DeliveryStatus.RECEIVED).order_by("id")
    heads = (Endpoint.objects.annotate(head=Subquery(oldest.values("id")[:1])).filter(head__isnull=False)
             .order_by("head").values_list("pk", "workspace_id")[:size])
    by_workspace: dict[int, list[int]] = {}
    for endpoint_id, workspace_id in heads:
        by_workspace.setdefault(workspace_id, []).append(endpoint_id)
    taken: dict[int, list[Delivery]] = {}
    count = 0
    full: list[int] = []  # endpoints that gave all they were asked for, and may have more
    share = -(-size // max(len(by_workspace), 1))
    for endpoints in by_workspace.values():
        quota, left = -(-share // len(endpoints)), share
        for endpoint_id in endpoints:
            asked = min(quota, left, size - count)
            taken[endpoint_id] = got = _oldest(endpoint_id, asked)
            count += len(got)
            left -= len(got)
            if asked > 0 and len(got) == asked:
                full.append(endpoint_id)
    for endpoint_id in full:  # the share the others left unused
        if count >= size:
            break
        more = _oldest(endpoint_id, size - count, after=taken[endpoint_id][-1].pk)
        taken[endpoint_id] += more
        count += len(more)
    deliveries = sorted((d for got in taken.values() for d in got), key=lambda d: d.pk)
    # Each endpoint (its form's definition, its mapping) is read once, not once per delivery.
    endpoints = Endpoint.objects.select_related("form", "form__workspace", "flow").in_bulk(set(taken))
    for delivery in deliveries:
        delivery.endpoint = endpoints[delivery.endpoint_id]
    return deliveries


def _oldest(endpoint_id: int, count: int, after: int = 0) -> list[Delivery]:
    if count <= 0:
        return []
    pending = _received().filter(endpoint_id=endpoint_id, pk__gt=after)
    return list(pending.order_by("id")[:count])


def _received() -> QuerySet[Delivery]:
    """Received deliveries, locked as read; on PostgreSQL those another worker holds are passed over."""
    pending = Delivery.objects.filter(status=DeliveryStatus.RECEIVED)
    if connection.features.has_select_for_update_skip_locked:
        pending = pending.select_for_update(skip_locked=True, of=("self",))
    return pending


def _process_batch(deliveries: list[Delivery]) -> None:
    by_form: dict[int, list[Delivery]] = {}
    for delivery in deliveries:
        if _in_bulk(delivery.endpoint):
            by_form.setdefault(delivery.endpoint.form_id, []).append(delivery)
        else:
            process(delivery)
    for group in by_form.values():
        if len(group) == 1:
            process(group[0])
        else:
            process_many(group)


def _alone(pk: int) -> None:
    """Process one delivery in a transaction of its own; if that fails too, count the attempt in another."""
    try:
        with transaction.atomic():
            delivery = _received().filter(pk=pk).select_related("endpoint__form__workspace",
                                                                "endpoint__flow").first()
            if delivery is not None:
                process(delivery)
    except Exception as exc:
        log.exception("processing delivery %s failed", pk)
        _count_failure(pk, exc)


@transaction.atomic
def _count_failure(pk: int, exc: Exception) -> None:
    """The attempt whose transaction was rolled back, counted: the delivery is failed after its last one."""
    delivery = Delivery.objects.select_for_update().filter(pk=pk, status=DeliveryStatus.RECEIVED).first()
    if delivery is None:
        return
    delivery.attempts += 1
    final = delivery.attempts >= MAX_ATTEMPTS
    delivery.status = DeliveryStatus.FAILED if final else DeliveryStatus.RECEIVED
    delivery.error = _internal(exc)
    delivery.processed_at = timezone.now() if final else None
    delivery.save(update_fields=["status", "error", "attempts", "processed_at"])


def _internal(exc: BaseException) -> dict[str, str]:
    return storable({"code": "internal_error", "message": f"{type(exc).__name__}: {exc}"[:1000]})


def _in_bulk(endpoint: Endpoint) -> bool:
    return bool(endpoint.form_id and endpoint.form.definition.get("unique_key"))


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
    except Exception as exc:  # a bug, or the database refusing something: it must not block the deliveries behind
        log.exception("processing delivery %s failed", delivery.pk)
        final = delivery.attempts >= MAX_ATTEMPTS
        status = DeliveryStatus.FAILED if final else DeliveryStatus.RECEIVED
        result, error = {}, _internal(exc)
    delivery.status, delivery.result, delivery.error = status, storable(result), storable(error)
    delivery.processed_at = timezone.now() if status != DeliveryStatus.RECEIVED else None
    delivery.save(update_fields=["status", "result", "error", "attempts", "processed_at"])


def _apply(delivery: Delivery) -> tuple[str, dict[str, Any]]:
    endpoint = delivery.endpoint
    body, order, context = _parsed(delivery)
    if endpoint.form_id:
        return _write(endpoint, context, order if order is not None else body)
    if endpoint.flow_id:
        return _run(endpoint, delivery, body, order)
    raise DeliveryError("no_target", _("The endpoint has neither a form nor a flow."))


def _parsed(delivery: Delivery) -> tuple[Any, dict | None, dict[str, Any]]:
    """The body, the adapter's canonical order (if any) and the scope its mapping is evaluated in."""
    try:
        body = loads(delivery.body) if delivery.body else {}
    except StrictJSONError as exc:  # stored before the intake refused such bodies
        raise DeliveryError(exc.code, str(exc)) from None
    order = body if delivery.pulled else _order(delivery.endpoint, body)
    context = scope(body, delivery.headers, order, {"id": delivery.delivery_id, "pk": delivery.pk,
                                                    "received_at": delivery.received_at.isoformat()})
    return body, order, context


def _order(endpoint: Endpoint, body: Any) -> dict | None:
    if not endpoint.adapter:
        return None
    from ..adapters import to_order

    return to_order(endpoint.adapter, body)


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
    run = start_delivery_run(flow, endpoint=endpoint.key, delivery=delivery.pk, attempt=delivery.attempts,
                             headers=delivery.headers, body=body, order=order)
    return DeliveryStatus.PROCESSED, {"run": run.pk if run else None}


# --- many deliveries of one form ----------------------------------------------------------------


@dataclass
class _Item:
    delivery: Delivery
    data: dict
    key: str


def process_many(deliveries: list[Delivery]) -> None:
    """Process deliveries bound for one form (oldest first) inside the caller's transaction; see the module doc."""
    form = deliveries[0].endpoint.form
    ctx = WriteContext(workspace=form.workspace, form=form, member=None, record=None, now=timezone.now(),
                       creating=True)
    items: list[_Item] = []
    for delivery in deliveries:
        item = _mapped(delivery, form, ctx)
        if item is None:
            process(delivery)  # a mapping that fails fails again there, with its own outcome
        else:
            items.append(item)
    rounds: list[list[_Item]] = []
    seen: dict[str, int] = {}
    for item in items:
        turn = seen.get(item.key, 0)
        seen[item.key] = turn + 1
        if turn == len(rounds):
            rounds.append([])
        rounds[turn].append(item)
    outcomes: list[tuple[Delivery, str, dict[str, Any]]] = []
    for round_items in rounds:
        outcomes += _write_round(form, round_items)
    _save_outcomes(outcomes)


def _mapped(delivery: Delivery, form: Form, ctx: WriteContext) -> _Item | None:
    try:
        body, order, context = _parsed(delivery)
        data = map_data(delivery.endpoint.mapping, form, context, order if order is not None else body)
        if unstorable(data) is not None:
            return None
        key = key_from_input(form, data, ctx)
    except DatabaseError:
        raise  # outside a savepoint: the batch goes one delivery at a time
    except Exception:  # whatever it is, the single path gives this delivery its outcome
        return None
    return _Item(delivery, data, key) if key is not None else None


def _write_round(form: Form, items: list[_Item]) -> list[tuple[Delivery, str, dict[str, Any]]]:
    """At most one delivery per key: skip those the guard keeps out, bulk upsert the rest (or one by one).

    A refused bulk upsert is tried once more before the deliveries go one by
    one: most refusals are another worker creating the same record at the
    same moment, and by then that record is committed and is simply updated.
    """
    for attempt in (1, 2):
        skipped, rest, absent = _kept_out(form, items)
        try:
            with transaction.atomic():
                written = bulk_write(form, [item.data for item in rest], member=None, upsert=True) if rest else None
                if written is not None and any(item.key in absent and not created
                                               for item, created in zip(rest, written.created, strict=True)):
                    raise _Raced()  # a record appeared after the guard looked: look again, with it locked
        except Exception:  # the database's refusals included: the savepoint is rolled back, nothing is written
            if attempt == 1:
                continue
            for item in items:  # refused again: each delivery gets its own outcome
                process(item.delivery)
            return []
        outcomes = list(skipped)
        if written is not None:
            for item, record, created in zip(rest, written.records, written.created, strict=True):
                outcomes.append((item.delivery, DeliveryStatus.PROCESSED, {"record": record.pk, "created": created}))
        return outcomes
    return []


class _Raced(Exception):
    """Another worker created a guarded record between the guard's look and the bulk upsert."""


def _kept_out(form: Form, items: list[_Item]
              ) -> tuple[list[tuple[Delivery, str, dict[str, Any]]], list[_Item], set[str]]:
    """The deliveries whose guard says the stored record is newer (skipped), the others, and the guarded keys
    that have no record yet (the upsert must create those, or the guard was not asked)."""
    if not any(item.delivery.endpoint.guard for item in items):
        return [], items, set()
    stored = {r.unique_key: r for r in Record.objects.select_for_update().filter(
        form=form, unique_key__in=[item.key for item in items])}
    absent = {item.key for item in items if item.delivery.endpoint.guard and item.key not in stored}
    skipped, rest = [], []
    for item in items:
        record = stored.get(item.key)
        guard = item.delivery.endpoint.guard
        if record is not None and guard and stored_is_newer(guard, item.data)(record):
            skipped.append((item.delivery, DeliveryStatus.SKIPPED, {"record": record.pk, "reason": "older_than_stored"}))
        else:
            rest.append(item)
    return skipped, rest, absent


_OUTCOMES = {
    "postgresql": ("UPDATE connectors_delivery AS d SET status = v.status, result = v.result::jsonb, error = NULL,"
                   " attempts = v.attempts::integer, processed_at = %s FROM (VALUES {rows}) AS v(id, status, result,"
                   " attempts) WHERE d.id = v.id::bigint"),
    "sqlite": ("UPDATE connectors_delivery SET status = v.status, result = v.result, error = NULL, attempts = v.attempts,"
               " processed_at = %s FROM (SELECT column1 AS id, column2 AS status, column3 AS result, column4 AS attempts"
               " FROM (VALUES {rows})) AS v WHERE connectors_delivery.id = v.id"),
}


def _save_outcomes(outcomes: list[tuple[Delivery, str, dict[str, Any]]]) -> None:
    """Every outcome of the round in one UPDATE."""
    if not outcomes:
        return
    template = _OUTCOMES.get(connection.vendor)
    now = connection.ops.adapt_datetimefield_value(timezone.now())
    for delivery, _status, _result in outcomes:
        delivery.attempts += 1
    if template is None:
        for delivery, status, result in outcomes:
            Delivery.objects.filter(pk=delivery.pk).update(status=status, result=result, error=None,
                                                           attempts=delivery.attempts, processed_at=timezone.now())
        return
    params: list[Any] = [now]
    for delivery, status, result in outcomes:
        params += [delivery.pk, status, json.dumps(result), delivery.attempts]
    sql = template.format(rows=", ".join(["(%s, %s, %s, %s)"] * len(outcomes)))
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
