"""Trigger conditions: one rule for how they are written and checked, whichever trigger holds them."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from apps.expressions import evaluate_condition, make_context

if TYPE_CHECKING:
    from ..validation import FlowChecker


def source_of(condition: Any) -> str:
    """The bare expression: ``record.total > 100`` and ``{{ record.total > 100 }}`` mean the same."""
    text = str(condition or "").strip()
    if text.startswith("{{") and text.endswith("}}") and text.count("{{") == 1:
        text = text[2:-2].strip()
    return text


def holds(condition: Any, scope: dict) -> bool:
    """True when there is no condition or it is truthy; raises ExpressionError when it cannot be evaluated."""
    if isinstance(condition, bool):
        return condition
    source = source_of(condition)
    if not source:
        return True
    return evaluate_condition(source, make_context(**scope))


def check(trigger: dict, path: str, checker: FlowChecker) -> None:
    if isinstance(trigger.get("condition"), str) and trigger["condition"].strip():
        checker.expression(trigger["condition"], f"{path}.condition", mode="expression")
