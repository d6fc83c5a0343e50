"""Aggregates of ``record.query`` computed by the database, exactly.

Amounts are stored as exact decimal text; sums are computed as NUMERIC on
PostgreSQL and in integer minor units on SQLite (which has no decimal type),
so a total is never a float. Counters are read from the counter table.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from django.db import connection
from django.db.models import (
    BigIntegerField,
    Count,
    F,
    FilteredRelation,
    FloatField,
    Max,
    Min,
    Q,
    Sum,
)
from django.db.models.fields.json import KT
from django.db.models.functions import Cast, Round
from django.utils.translation import gettext as _

from apps.forms.conversion import json_value
from apps.forms.fields import field_types
from apps.forms.models import Form
from apps.forms.selectors import active_fields

from ..engine.signals import StepError

if TYPE_CHECKING:
    from ..engine.context import StepContext

MAX_GROUPS = 10_000
FUNCTIONS = {"sum": Sum, "min": Min, "max": Max}


def numeric_places(field: dict) -> int | None:
    """Decimal places of a numeric field (0 for whole numbers), None for anything else."""
    kind = field["type"]
    if kind == "formula":
        kind = field.get("result", "decimal")
    if kind == "integer":
        return 0
    if kind == "counter":
        return int(field.get("decimal_places", 0))
    if kind == "decimal":
        return int(field.get("decimal_places", 2))
    return None


def _field(form: Form, key: Any, ctx: StepContext, option: str) -> dict:
    for field in active_fields(form.definition["fields"]):
        if field["key"] == key:
            return field
    raise StepError(_("%(where)s: form '%(form)s' has no field '%(key)s'") % {
        "where": ctx.where(option), "form": form.key, "key": key}, code="invalid_option")


def _operand(field: dict) -> tuple[Any, int | None]:
    """(SQL expression, places of the integer minor units it yields or None when it yields the value)."""
    places = numeric_places(field)
    if field["type"] == "counter":
        return F("_counter__value"), places
    path = f"data__{field['key']}"
    if places and connection.vendor == "sqlite":
        scaled = Round(Cast(KT(path), FloatField()) * (10 ** places))
        return Cast(scaled, BigIntegerField()), places
    return field_types.get(field["type"]).db_expression(path, field), None


def _number(value: Any, field: dict, units: int | None, op: str) -> Any:
    if value is None and op == "sum":
        value = 0
    if value is None:
        return None
    places = numeric_places(field)
    if units is not None and units > 0:
        value = Decimal(int(value)).scaleb(-units)
    if places:
        return json_value(Decimal(value).quantize(Decimal(1).scaleb(-places)))
    if places == 0:
        return int(value)
    return json_value(value)


class Aggregation:
    """One aggregate over a filtered queryset, optionally per value of ``group_by``."""

    def __init__(self, form: Form, spec: dict, group_by: Any, ctx: StepContext):
        self.op, key = next(iter(spec.items()))
        self.field = None if self.op == "count" else _field(form, key, ctx, f"aggregate.{self.op}")
        if self.op == "sum" and numeric_places(self.field) is None:
            raise StepError(_("%(where)s: only number fields can be summed") % {
                "where": ctx.where("aggregate")}, code="invalid_option")
        self.group = None if group_by in (None, "") else _field(form, group_by, ctx, "group_by")
        if self.group is not None and not field_types.get(self.group["type"]).stored_in_data:
            raise StepError(_("%(where)s: cannot group by a counter") % {"where": ctx.where("group_by")},
                            code="invalid_option")

    def run(self, queryset) -> dict:
        if self.field is not None and self.field["type"] == "counter":
            queryset = queryset.annotate(_counter=FilteredRelation(
                "counters", condition=Q(counters__field=self.field["key"])))
        if self.op == "count":
            function, units = Count("id"), None
        else:
            expression, units = _operand(self.field)
            function = FUNCTIONS[self.op](expression)
        if self.group is None:
            value = queryset.aggregate(v=function)["v"]
            return {"value": value if self.op == "count" else _number(value, self.field, units, self.op)}
        rows = list(queryset.values(g=KT(f"data__{self.group['key']}")).annotate(v=function)
                    .order_by("g")[:MAX_GROUPS + 1])
        groups = {"" if r["g"] is None else str(r["g"]): r["v"] if self.op == "count"
                  else _number(r["v"], self.field, units, self.op) for r in rows[:MAX_GROUPS]}
        return {"groups": groups, "truncated": len(rows) > MAX_GROUPS}
