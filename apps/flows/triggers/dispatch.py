"""Outbox events start record-triggered runs and resolve the waits they satisfy (an outbox subscriber).

``on_events`` is subscribed to the core's relay (``apps.core.outbox``) from
FlowsConfig.ready: it sees each batch inside the transaction that marks the
batch dispatched, so its runs are started with the batch or not at all. Each
run is deduplicated by ``event:<id>``, so a batch dispatched twice, even
concurrently, starts one run per flow and event.
"""

from __future__ import annotations

import logging
from collections import defaultdict

from django.db import DatabaseError, IntegrityError, transaction
from django.utils import timezone

from apps.expressions import ExpressionError
from apps.forms.changes import EVENT_NAMES, Change
from apps.forms.models import Event, Form

from .. import hooks
from ..engine.breaker import record_outcome
from ..engine.runner import start_run
from ..models import Flow, Run, RunStatus, Wait
from . import conditions
from .event_waits import resolve_waits
from .record_trigger import RecordTrigger

log = logging.getLogger(__name__)


def on_events(events: list[Event]) -> None:
    """Route a batch of events, oldest first; a bug on one odd event must not block the others."""
    router = _Router(events)
    for event in events:
        try:
            router.route(event)
        except DatabaseError:
            raise  # the relay rolls the batch back and dispatches it again later
        except Exception:
            log.exception("dispatching event %s failed; it is skipped", event.pk)


class _Router:
    """The flows and waits interested in a batch's forms, loaded once per batch."""

    def __init__(self, events: list[Event]):
        form_ids = {e.form_id for e in events if e.form_id and e.type in EVENT_NAMES}
        self.forms = Form.objects.in_bulk(form_ids)
        self.flows: dict[int, list[Flow]] = defaultdict(list)
        # Paused flows still get runs: they stay queued until the flow is resumed, so no change is lost.
        for flow in Flow.objects.filter(trigger_type=RecordTrigger.type, enabled=True,
                                        trigger_form_id__in=form_ids).order_by("id"):
            self.flows[flow.trigger_form_id].append(flow)
        self.waits: dict[int, list[Wait]] = defaultdict(list)
        if form_ids:
            for wait in Wait.objects.filter(kind=Wait.Kind.EVENT, resolved_at__isnull=True,
                                            match__form_id__in=sorted(form_ids)).order_by("id"):
                self.waits[int(wait.match["form_id"])].append(wait)

    def route(self, event: Event) -> None:
        form = self.forms.get(event.form_id)
        if form is None or not (self.flows.get(form.pk) or self.waits.get(form.pk)):
            return
        change = Change.from_event(event, form)
        if change is None:
            return
        for flow in self.flows.get(form.pk, []):
            start_for(flow, change)
        waits = self.waits.get(form.pk)
        if waits:
            self.waits[form.pk] = resolve_waits(waits, change)


def start_for(flow: Flow, change: Change) -> Run | None:
    """Start ``flow`` for ``change`` if it wants it; a condition that cannot be evaluated is recorded."""
    trigger = flow.definition.get("trigger") or {}
    if not RecordTrigger.wants(trigger, change):
        return None
    key = f"event:{change.event_id}"
    try:
        if not conditions.holds(trigger.get("condition"), change.scope()):
            return None
    except ExpressionError as exc:
        message = str(exc.at(f"flow '{flow.key}', trigger.condition"))
        return _condition_failed(flow, change, key, message)
    return start_run(flow, trigger=change.meta(), input_=change.input(), dedupe_key=key)


def _condition_failed(flow: Flow, change: Change, key: str, message: str) -> Run | None:
    """A failed run, never executed, so the failure shows where people look (the flow's runs).

    It uses the event's dedupe key, so the event is reported once however often
    it is dispatched, and it counts towards the breaker: a condition that fails
    on every event pauses the flow and tells its owner. Retrying it runs the
    flow anyway (a person decided).
    """
    error = {"code": "trigger_condition_failed", "message": message, "path": "trigger.condition", "step": ""}
    try:
        with transaction.atomic():
            run = Run.objects.create(workspace_id=flow.workspace_id, flow=flow, flow_version=flow.version,
                                     status=RunStatus.FAILED, trigger=change.meta(), input=change.input(),
                                     dedupe_key=key, error=error, finished_at=timezone.now())
            hooks.run_finished(run, RunStatus.FAILED, error)
    except IntegrityError:
        return None
    log.warning("event %s: %s", change.event_id, message)
    record_outcome(flow.pk, False, error)
    return run
