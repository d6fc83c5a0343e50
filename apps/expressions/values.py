"""Small helpers about the plain values expressions work on.

Money must stay exact, so every path that turns user input into a number goes
through :func:`to_decimal` (floats via their shortest text, never their binary
value). :func:`weight` measures containers including shared references, which
is what bounds comparisons and printing of structures built by an expression.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal, InvalidOperation

from jinja2.runtime import Undefined

from .errors import Abort, limit_exceeded
from .i18n import gettext as _
from .limits import Budget

TEXT_UNIT = 16


def type_label(value: object) -> str:
    """A user-facing name for the type of ``value`` (no Python jargon)."""
    if isinstance(value, Undefined):
        return _("undefined")
    if value is None:
        return _("none")
    if isinstance(value, bool):
        return _("boolean")
    if isinstance(value, int | float | Decimal):
        return _("number")
    if isinstance(value, str):
        return _("text")
    if isinstance(value, datetime):
        return _("datetime")
    if isinstance(value, date):
        return _("date")
    if isinstance(value, time):
        return _("time")
    if isinstance(value, Mapping):
        return _("object")
    if isinstance(value, list | tuple | range):
        return _("list")
    return type(value).__name__


def is_number(value: object) -> bool:
    return isinstance(value, int | float | Decimal) and not isinstance(value, bool)


def to_decimal(value: object) -> Decimal:
    """Convert numbers and numeric text to Decimal; anything else is a type error."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, Decimal):
        return value
    if isinstance(value, bool):
        raise Abort("type", _("a boolean is not a number"))
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        return Decimal(str(value))
    if isinstance(value, str):
        text = value.strip().replace("_", "")
        if len(text) <= 400:
            try:
                return Decimal(text)
            except InvalidOperation:
                pass
        raise Abort("type", _("'%(text)s' is not a number") % {"text": value[:40]})
    raise Abort("type", _("a %(type)s is not a number") % {"type": type_label(value)})


def _leaf_weight(value: object) -> int:
    return 1 + len(value) // TEXT_UNIT if isinstance(value, str) else 1


def weight(value: object, budget: Budget) -> int:
    """Expanded size of a value: items, plus one unit per TEXT_UNIT characters of text.

    Shared references count each time they appear, which is what matters when
    the value is later compared, printed or serialised. Results are memoised
    per evaluation (holding a reference so the id stays valid), so building
    ``[a, a]`` costs one lookup per element, not a walk.
    """
    if not isinstance(value, list | tuple | dict):
        return _leaf_weight(value)
    cached = budget.weights.get(id(value))
    if cached is not None and cached[0] is value:
        return cached[1]
    budget.tick()
    cap = budget.limits.max_nested_items
    total = 1
    for item in value.values() if isinstance(value, dict) else value:
        total += (
            weight(item, budget) if isinstance(item, list | tuple | dict) else _leaf_weight(item)
        )
        if total > cap:
            raise too_nested(budget)
    budget.weights[id(value)] = (value, total)
    return total


def check_weight(total: int, budget: Budget) -> None:
    if total > budget.limits.max_nested_items:
        raise too_nested(budget)


def too_nested(budget: Budget) -> Abort:
    return limit_exceeded(
        _("the value would be too large (more than %(n)s items, text counted per 16 characters)")
        % {"n": budget.limits.max_nested_items}
    )
