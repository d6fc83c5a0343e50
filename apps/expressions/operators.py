"""Arithmetic with exact money semantics and size checks before allocation.

Every binary operator of the sandbox is routed here. ``/`` between numbers
yields a Decimal (never a float), floats are converted through their text,
and any operation whose result could be huge (``'x' * 10**9``, ``9 ** 999999``)
is refused from the operand sizes before Python starts building it.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from jinja2.runtime import Undefined

from .errors import Abort, forbidden
from .i18n import gettext as _
from .limits import Budget, too_many_digits
from .values import check_weight, is_number, type_label, weight

_SEQUENCES = (str, list, tuple)


def _coerce(left: Any, right: Any) -> tuple[Any, Any]:
    if isinstance(left, float) and is_number(right):
        left = Decimal(str(left))
    if isinstance(right, float) and is_number(left):
        right = Decimal(str(right))
    return left, right


def _int_result(value: Any, budget: Budget) -> Any:
    if type(value) is int:
        budget.check_int(value)
    return value


def _same_sequence_kind(left: Any, right: Any) -> type | None:
    for kind in _SEQUENCES:
        if isinstance(left, kind) and isinstance(right, kind):
            return kind
    return None


def _add(left: Any, right: Any, budget: Budget) -> Any:
    kind = _same_sequence_kind(left, right)
    if kind is not None:
        budget.check_length(len(left) + len(right))
        if kind is not str:
            check_weight(weight(left, budget) + weight(right, budget), budget)
    return _int_result(left + right, budget)


def _sub(left: Any, right: Any, budget: Budget) -> Any:
    return _int_result(left - right, budget)


def _mul(left: Any, right: Any, budget: Budget) -> Any:
    if isinstance(right, _SEQUENCES) and isinstance(left, int):
        left, right = right, left
    if isinstance(left, _SEQUENCES) and isinstance(right, int):
        count = max(right, 0)
        budget.check_length(len(left) * count)
        if not isinstance(left, str) and count:
            check_weight(weight(left, budget) * count, budget)
        return left * right
    bits = budget.max_int_bits
    if (
        type(left) is int
        and type(right) is int
        and left.bit_length() + right.bit_length() > bits + 1
    ):
        raise too_many_digits(budget.limits)
    return _int_result(left * right, budget)


def _truediv(left: Any, right: Any, budget: Budget) -> Any:
    if is_number(left) and is_number(right):
        return Decimal(left) / Decimal(right)
    return left / right


def _floordiv(left: Any, right: Any, budget: Budget) -> Any:
    return _int_result(left // right, budget)


def _mod(left: Any, right: Any, budget: Budget) -> Any:
    if isinstance(left, str):
        # xgettext:no-python-format
        raise forbidden(_("formatting text with % is not allowed; use ~ or filters"))
    return left % right


def _pow(left: Any, right: Any, budget: Budget) -> Any:
    if type(left) is int and type(right) is int:
        if right < 0:
            return Decimal(left) ** right
        if abs(left) > 1 and right * (left.bit_length() - 1) > budget.max_int_bits:
            raise too_many_digits(budget.limits)
        return _int_result(left**right, budget)
    if is_number(left) and is_number(right):
        return Decimal(left) ** Decimal(right)
    return left**right


_HANDLERS: dict[str, Callable[[Any, Any, Budget], Any]] = {
    "+": _add,
    "-": _sub,
    "*": _mul,
    "/": _truediv,
    "//": _floordiv,
    "%": _mod,
    "**": _pow,
}

OPERATORS = frozenset(_HANDLERS)


_PLAIN_NUMBERS = frozenset({int, Decimal})


def binary(operator: str, left: Any, right: Any, budget: Budget) -> Any:
    """Apply ``operator``; type mismatches become a readable "type" error."""
    budget.tick()
    if operator == "+" and type(left) in _PLAIN_NUMBERS and type(right) in _PLAIN_NUMBERS:
        return _int_result(left + right, budget)
    left, right = _coerce(left, right)
    try:
        return _HANDLERS[operator](left, right, budget)
    except TypeError:
        for operand in (left, right):
            if isinstance(operand, Undefined):
                operand._fail_with_undefined_error()
        raise Abort(
            "type",
            _("cannot apply %(op)s to a %(left)s and a %(right)s")
            % {"op": operator, "left": type_label(left), "right": type_label(right)},
        ) from None
