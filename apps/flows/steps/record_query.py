"""``record.query``: find records by field values, or aggregate them in SQL (sum, count, min, max)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.forms.conversion import record_data
from apps.forms.selectors import ALL_OPS, META_COLUMNS, counters_of, filtered_records

from ..engine.signals import StepError
from ._aggregate import Aggregation, numeric_places
from ._records import FORM, form_of
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker

MAX_LIMIT = 1000
FIELD_KEY = {"type": "string", "minLength": 1, "maxLength": 64}
FILTER = {"type": "object", "required": ["field"], "additionalProperties": False,
          "properties": {"field": {"type": "string", "maxLength": 130}, "op": {"enum": list(ALL_OPS)}, "value": {}}}
AGGREGATE = {"type": "object", "minProperties": 1, "maxProperties": 1, "additionalProperties": False,
             "properties": {"sum": FIELD_KEY, "min": FIELD_KEY, "max": FIELD_KEY, "count": {"const": True}}}
@step_types.register
class RecordQuery(StepType):
    type = "record.query"
    label = gettext_lazy("Find records")
    schema = {
        "form": FORM,
        "filters": {"type": ["array", "string"], "items": FILTER, "maxItems": 50},
        "sort": {"type": "string", "pattern": r"^-?[A-Za-z_][A-Za-z0-9_]*$"},
        "limit": {"type": ["integer", "string"], "minimum": 1, "maximum": MAX_LIMIT},
        "aggregate": AGGREGATE,
        "group_by": FIELD_KEY,
    }
    required = ("form",)

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        checker.check_expressions(step, path, skip=("id", "type", "name"))
        form = checker.form(step.get("form"), f"{path}.form")
        filters = step.get("filters")
        for index, item in enumerate(filters if isinstance(filters, list) else []):
            key = str(item.get("field", "")).partition(".")[0]
            if key not in META_COLUMNS:
                checker.field(form, key, f"{path}.filters[{index}].field")
        sort = step.get("sort")
        if isinstance(sort, str) and sort.lstrip("-") not in META_COLUMNS:
            checker.field(form, sort.lstrip("-"), f"{path}.sort")
        for op, key in (step.get("aggregate") or {}).items():
            if op != "count":
                field = checker.field(form, key, f"{path}.aggregate.{op}")
                if op == "sum" and field is not None and numeric_places(field) is None:
                    checker.error(f"{path}.aggregate.sum", _("only number fields can be summed"))
        if step.get("group_by") is not None:
            if not step.get("aggregate"):
                checker.error(f"{path}.group_by", _("needs an aggregate"))
            checker.field(form, step["group_by"], f"{path}.group_by")

    def execute(self, step: dict, ctx: StepContext) -> Any:
        form = form_of(ctx)
        listing = filtered_records(form, filters=ctx.option("filters", []), sort=ctx.option("sort") or "",
                                   member=ctx.actor)
        if step.get("aggregate"):
            return Aggregation(form, step["aggregate"], ctx.option("group_by"), ctx).run(listing.matching)
        limit = self._limit(ctx)
        records = list(listing.records[:limit])
        counters = counters_of(records)
        rows = [{"id": r.pk, "version": r.version, "data": record_data(form, r.data, counters.get(r.pk, {}))}
                for r in records]
        return {"rows": rows, "count": len(rows)}

    @staticmethod
    def _limit(ctx: StepContext) -> int:
        value = ctx.option("limit", 100)
        try:
            limit = int(value)
        except (TypeError, ValueError):
            limit = 0
        if not 1 <= limit <= MAX_LIMIT:
            raise StepError(_("%(where)s: must be a whole number from 1 to %(max)d") % {
                "where": ctx.where("limit"), "max": MAX_LIMIT}, code="invalid_option")
        return limit
