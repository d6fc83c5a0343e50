"""Counter endpoints: guarded, idempotent adjustments and the ledger."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework.response import Response

from apps.core.errors import ErrorCollector, ValidationFailed
from apps.core.schemas_api import answers
from apps.core.views import WeftAPIView

from .. import selectors
from ..conversion import from_units, json_value
from ..models import CounterEntry
from ..services.counters import Adjustment, AdjustResult, adjust, adjust_many, counter_field
from . import schemas

ADJUST_KEYS = ("field", "delta", "key", "floor", "ceiling", "reason")


def parse_adjustment(body: Any, record_id: Any, path: str, errors: ErrorCollector,
                     header_key: str | None = None) -> Adjustment | None:
    if not isinstance(body, dict):
        errors.add(path, _("must be an object with field and delta"))
        return None
    for name in body:
        if name not in (*ADJUST_KEYS, "form", "record"):
            errors.add(f"{path}.{name}" if path else name, _("is not an adjustment option"))
    for name in ("field", "delta"):
        if body.get(name) in (None, ""):
            errors.add(f"{path}.{name}" if path else name, _("is required"))
    key = body.get("key") or header_key
    if key is not None and (not isinstance(key, str) or len(key) > 200):
        errors.add(f"{path}.key" if path else "key", _("must be text of at most 200 characters"))
    if errors:
        return None
    return Adjustment(record_id=record_id, field=str(body["field"]), delta=body["delta"], key=key,
                      floor=body.get("floor"), ceiling=body.get("ceiling"), reason=str(body.get("reason", "")))


def result_to_api(result: AdjustResult) -> dict:
    return json_value({"record": result.record_id, "field": result.field, "applied": result.applied,
                  "replayed": result.replayed, "value": result.value, "delta": result.delta,
                  "entry": result.entry_id})


class CounterAdjustView(WeftAPIView):
    idempotent = False  # the adjustment's own key makes it idempotent, with a domain answer

    @extend_schema(summary="Adjust a counter field: applied only if the guard holds; same key applies once",
                   request=schemas.AdjustmentSerializer,
                   responses=answers({200: schemas.AdjustResultSerializer}, 400, 403, 404, 409))
    def post(self, request, key: str, pk: str):
        form = selectors.get_form(request.workspace, key)
        record = selectors.record_of(form, pk)
        errors = ErrorCollector()
        adjustment = parse_adjustment(request.data, record.pk, "", errors, request.headers.get("Idempotency-Key"))
        errors.raise_if_any()
        return Response(result_to_api(adjust(form, adjustment, member=request.member)))


class BatchAdjustView(WeftAPIView):
    idempotent = False

    @extend_schema(summary="Apply several adjustments (any forms) all together, or none",
                   request=schemas.BatchAdjustSerializer,
                   responses=answers({200: schemas.ADJUST_RESULTS}, 400, 403, 404, 409))
    def post(self, request):
        items = request.data.get("adjustments") if isinstance(request.data, dict) else None
        if not isinstance(items, list) or not items:
            raise ValidationFailed({"adjustments": [_("must be a non-empty list")]})
        errors = ErrorCollector()
        forms: dict[str, Any] = {}
        parsed = []
        for index, item in enumerate(items):
            path = f"adjustments[{index}]"
            form_key = item.get("form") if isinstance(item, dict) else None
            if not form_key:
                errors.add(f"{path}.form", _("is required"))
                continue
            if form_key not in forms:
                forms[form_key] = selectors.get_form(request.workspace, form_key)
            record = selectors.record_of(forms[form_key], item.get("record"))
            adjustment = parse_adjustment(item, record.pk, path, errors)
            if adjustment is not None:
                parsed.append((forms[form_key], adjustment))
        errors.raise_if_any()
        results = adjust_many(request.workspace, parsed, member=request.member)
        return Response({"results": [result_to_api(r) for r in results]})


class CounterLedgerView(WeftAPIView):
    @extend_schema(responses=answers({200: schemas.LEDGER_PAGE}, 400, 403, 404))
    def get(self, request, key: str, pk: str, field: str):
        form = selectors.get_form(request.workspace, key)
        record = selectors.record_of(form, pk)
        definition = counter_field(form, field)
        entries = CounterEntry.objects.filter(counter__record=record, counter__field=field).order_by("-id")[:500]
        return Response({"results": [json_value({"id": e.pk, "delta": from_units(e.delta, definition),
                                            "value_after": from_units(e.value_after, definition), "key": e.key,
                                            "reason": e.reason, "actor": e.actor_id,
                                            "at": e.created_at.isoformat()}) for e in entries]})
