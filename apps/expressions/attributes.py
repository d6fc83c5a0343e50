"""Which attributes and callables an expression may reach.

Jinja's default sandbox blocks private attributes but lets everything else
through, which is how most escapes and bombs start (``str.center``,
``str.format``, ``list.pop``, generator frames...). Here the rule is an allow
list per plain data type; everything not listed is refused. Mapping keys win
over methods, so a record with an ``items`` field works as users expect.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from jinja2.runtime import LoopContext

_TEXT_METHODS = frozenset(
    {
        "upper", "lower", "strip", "lstrip", "rstrip", "title", "capitalize",
        "casefold", "swapcase", "startswith", "endswith", "count", "find", "rfind",
        "split", "rsplit", "splitlines", "isdigit", "isalpha", "isalnum",
        "isspace", "isupper", "islower", "isdecimal", "isnumeric",
    }
)  # fmt: skip
_MAPPING_METHODS = frozenset({"keys", "values", "items", "get"})
_LIST_METHODS = frozenset({"index", "count"})
_DATE_FIELDS = frozenset({"year", "month", "day", "weekday", "isoweekday", "isoformat"})
_DATETIME_FIELDS = _DATE_FIELDS | {"hour", "minute", "second", "microsecond", "date"}
_LOOP_FIELDS = frozenset(
    {
        "index", "index0", "revindex", "revindex0", "first", "last", "length",
        "depth", "depth0", "previtem", "nextitem", "cycle", "changed",
    }
)  # fmt: skip

# Checked in this order, so datetime is matched before date.
_ALLOWED: tuple[tuple[type, frozenset[str]], ...] = (
    (str, _TEXT_METHODS),
    (Mapping, _MAPPING_METHODS),
    (list, _LIST_METHODS),
    (tuple, _LIST_METHODS),
    (datetime, _DATETIME_FIELDS),
    (date, _DATE_FIELDS),
    (LoopContext, _LOOP_FIELDS),
)

_CALLABLE_METHODS: dict[type, frozenset[str]] = {
    str: _TEXT_METHODS,
    dict: _MAPPING_METHODS,
    list: _LIST_METHODS,
    tuple: _LIST_METHODS,
    datetime: frozenset({"weekday", "isoweekday", "isoformat", "date"}),
    date: frozenset({"weekday", "isoweekday", "isoformat"}),
    LoopContext: frozenset({"cycle", "changed"}),
}


def allowed_attributes(obj: Any) -> frozenset[str] | None:
    """The attribute names ``obj`` exposes, or None when it exposes none at all."""
    for kind, names in _ALLOWED:
        if isinstance(obj, kind):
            return names
    return None


_safe_functions: set[Callable[..., Any]] = set()


def register_safe_function(function: Callable[..., Any]) -> Callable[..., Any]:
    """Mark one of the engine's own functions (globals, runtime guards) as callable."""
    _safe_functions.add(function)
    return function


def is_safe_callable(obj: Any) -> bool:
    """True for the engine's own functions and allow-listed methods of plain data."""
    try:
        if obj in _safe_functions:
            return True
    except TypeError:
        return False
    owner = getattr(obj, "__self__", None)
    name = getattr(obj, "__name__", None)
    if owner is None or not isinstance(name, str):
        return False
    for kind in type(owner).__mro__:
        names = _CALLABLE_METHODS.get(kind)
        if names is not None:
            return name in names and getattr(owner, name, None) == obj
    return False
