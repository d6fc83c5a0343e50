"""``counter.adjust``: change stock (or any counter) with a guard, idempotently, all-or-nothing.

A refused guard is an expected business outcome (out of stock), not a crash:
by default the step succeeds with ``applied: false`` so the flow can branch on
``steps.<id>.applied``; ``fail_if_refused`` turns it into an error instead.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.forms.conversion import json_value
from apps.forms.errors import GuardFailed
from apps.forms.services.counters import Adjustment, AdjustResult, adjust, adjust_many

from ..engine.signals import StepError
from ._keys import short_key
from ._records import FORM, ID_VALUE, export_record, form_of, import_record, record_id
from .base import StepType, step_types

if TYPE_CHECKING:
    from apps.forms.fields import TransferContext

    from ..engine.context import StepContext
    from ..validation import FlowChecker

NUMBER = {"type": ["integer", "number", "string"]}
MAX_ITEMS = 1000


def _result(result: AdjustResult) -> dict:
    return {"record": result.record_id, "field": result.field, "value": json_value(result.value),
            "delta": json_value(result.delta), "replayed": result.replayed}


@step_types.register
class CounterAdjust(StepType):
    type = "counter.adjust"
    label = gettext_lazy("Adjust counter")
    schema = {
        "form": FORM, "record": ID_VALUE, "field": {"type": "string", "maxLength": 64}, "delta": NUMBER,
        "floor": NUMBER, "ceiling": NUMBER, "reason": {"type": "string", "maxLength": 200},
        "key": {"type": "string", "maxLength": 500},
        "adjustments": {"type": ["string", "array"], "maxItems": MAX_ITEMS},
        "fail_if_refused": {"type": "boolean"},
    }

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        checker.check_expressions(step, path, skip=("id", "type", "name"))
        if "adjustments" in step:
            if "form" in step:
                checker.form(step["form"], f"{path}.form")
            return
        for name in ("form", "record", "field", "delta"):
            if name not in step:
                checker.error(f"{path}.{name}", _("is required (or give 'adjustments')"))
        form = checker.form(step.get("form"), f"{path}.form")
        checker.field(form, step.get("field"), f"{path}.field", types=("counter",))

    def export(self, step: dict, ctx: TransferContext) -> dict:
        return export_record(step, ctx)

    def import_(self, step: dict, ctx: TransferContext) -> dict:
        return import_record(step, ctx)

    def execute(self, step: dict, ctx: StepContext) -> Any:
        reason = str(ctx.option("reason", "") or "")[:200]
        try:
            if "adjustments" in step:
                return self._many(step, ctx, reason)
            return self._one(ctx, reason)
        except GuardFailed as refused:
            message = "; ".join(str(m) for messages in refused.errors.values() for m in messages)
            if ctx.option("fail_if_refused", False):
                raise StepError(f"{ctx.where()}: {message}", code="guard_failed",
                                details={"value": refused.extra.get("value")}) from None
            return {"applied": False, "refused": True, "message": message, "value": refused.extra.get("value")}

    def _one(self, ctx: StepContext, reason: str) -> dict:
        form = form_of(ctx)
        key = ctx.option("key") or ctx.idempotency_key()
        result = adjust(form, Adjustment(record_id(ctx), str(ctx.option("field")), ctx.option("delta"),
                                         key=short_key(str(key)), floor=ctx.option("floor"),
                                         ceiling=ctx.option("ceiling"), reason=reason), member=ctx.actor)
        return {"applied": True, "refused": False, **_result(result)}

    def _many(self, step: dict, ctx: StepContext, reason: str) -> dict:
        items = ctx.option("adjustments")
        if not isinstance(items, list) or len(items) > MAX_ITEMS:
            raise StepError(_("%(where)s: must be a list of at most %(n)d {record, field, delta}") % {
                "where": ctx.where("adjustments"), "n": MAX_ITEMS}, code="invalid_option")
        default_form = ctx.option("form") if "form" in step else None
        forms: dict[str, Any] = {}
        pairs = []
        for index, item in enumerate(items):
            where = f"adjustments[{index}]"
            if not isinstance(item, dict) or not {"record", "field", "delta"} <= item.keys():
                raise StepError(_("%(where)s: needs record, field and delta") % {"where": ctx.where(where)},
                                code="invalid_option")
            key = item.get("form") or default_form
            if key not in forms:
                forms[key] = form_of(ctx, where, key=key)
            own_key = item.get("key") or ctx.idempotency_key(f"#{index}")
            pairs.append((forms[key], Adjustment(
                record_id(ctx, where, item["record"]), str(item["field"]), item["delta"], key=short_key(str(own_key)),
                floor=item.get("floor"), ceiling=item.get("ceiling"), reason=reason)))
        results = adjust_many(ctx.workspace, pairs, member=ctx.actor)
        return {"applied": True, "refused": False, "results": [_result(r) for r in results]}
