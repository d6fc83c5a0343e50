"""``loop``: run steps once per item of a list (an order's lines, a query's rows)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.forms.conversion import json_value

from ..engine.signals import StepError
from ._memo import remember
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker

MAX_ITEMS = 10_000


@step_types.register
class Loop(StepType):
    """Iteration ``i`` runs at ``<path>[i]``, so each iteration's steps are journalled on their own.

    The items are evaluated once and journalled; a run resumed after a wait in
    iteration 3 skips iterations 0-2 (their steps completed) and iterates the
    same items, whatever changed meanwhile.
    """

    type = "loop"
    label = gettext_lazy("Repeat for each item")
    schema = {
        "items": {"type": ["string", "array"], "maxItems": MAX_ITEMS},
        "as": {"type": "string", "pattern": r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"},
        "steps": {"$ref": "#/$defs/steps"},
    }
    required = ("items", "steps")
    container = True
    child_sequences = ("steps",)

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        checker.check_expressions(step.get("items"), f"{path}.items")

    def execute(self, step: dict, ctx: StepContext) -> Any:
        items = remember(ctx, "items", lambda: self._items(ctx))
        name = step.get("as") or "item"
        for index, item in enumerate(items):
            scope = {**ctx.extra_scope, "item": item, name: item, "index": index}
            ctx.interpreter.run_sequence(step.get("steps") or [], ctx.state, f"{ctx.path}[{index}]", scope)
        return {"count": len(items)}

    @staticmethod
    def _items(ctx: StepContext) -> list:
        items = ctx.option("items")
        if isinstance(items, dict):
            items = items.get("rows", items)
        if not isinstance(items, list):
            raise StepError(_("%(where)s: must give a list, not %(value)s") % {
                "where": ctx.where("items"), "value": type(items).__name__}, code="invalid_option")
        if len(items) > MAX_ITEMS:
            raise StepError(_("%(where)s: %(n)d items; a loop takes at most %(max)d") % {
                "where": ctx.where("items"), "n": len(items), "max": MAX_ITEMS}, code="too_many_items")
        return json_value(items)
