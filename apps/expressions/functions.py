"""The few global functions expressions can call.

Jinja's own globals (``lipsum``, ``cycler``, ``joiner``, ``namespace``, ``dict``)
are dropped: they add little for formulas and each has been a stepping stone
in known escapes. What remains is bounded: ``range`` refuses huge ranges
before they are iterated, ``min``/``max`` take only plain values.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Any

from jinja2.runtime import Undefined

from .attributes import register_safe_function
from .errors import Abort
from .i18n import gettext as _
from .limits import current_budget
from .values import to_decimal, type_label


def _int_argument(value: Any) -> int:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, Decimal) and value == value.to_integral_value():
        value = int(value)
    if type(value) is not int:
        raise Abort(
            "type", _("range() needs whole numbers, not a %(type)s") % {"type": type_label(value)}
        )
    return value


@register_safe_function
def bounded_range(*args: Any) -> range:
    """``range`` that refuses more than ``max_sequence_len`` items up front."""
    budget = current_budget()
    if not 1 <= len(args) <= 3:
        raise Abort("type", _("range() takes one to three numbers"))
    numbers = [_int_argument(arg) for arg in args]
    if len(numbers) == 3 and numbers[2] == 0:
        raise Abort("runtime", _("range() step must not be zero"))
    result = range(*numbers)
    budget.check_length(len(result))
    return result


def _values(args: tuple[Any, ...]) -> list[Any]:
    if len(args) == 1 and isinstance(args[0], Iterable) and not isinstance(args[0], str):
        values = list(args[0].values() if isinstance(args[0], Mapping) else args[0])
    else:
        values = list(args)
    for value in values:
        if isinstance(value, Undefined):
            value._fail_with_undefined_error()
    if not values:
        raise Abort("runtime", _("min() and max() need at least one value"))
    return values


@register_safe_function
def minimum(*args: Any) -> Any:
    """``min(a, b, ...)`` or ``min(list)``."""
    current_budget().tick()
    return min(_values(args))


@register_safe_function
def maximum(*args: Any) -> Any:
    """``max(a, b, ...)`` or ``max(list)``."""
    current_budget().tick()
    return max(_values(args))


@register_safe_function
def length(value: Any) -> int:
    """``len(value)`` for text, lists and objects."""
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if not isinstance(value, str | list | tuple | Mapping | range):
        raise Abort("type", _("a %(type)s has no length") % {"type": type_label(value)})
    return len(value)


@register_safe_function
def decimal(value: Any = 0) -> Decimal:
    """``decimal('19.99')``: exact numbers from text or numbers."""
    return to_decimal(value)


GLOBALS: dict[str, Any] = {
    "range": bounded_range,
    "min": minimum,
    "max": maximum,
    "len": length,
    "decimal": decimal,
}
