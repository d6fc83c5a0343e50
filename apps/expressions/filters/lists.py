"""List filters that compute over records: sums, projections and selections.

Line items are the bread and butter of e-commerce formulas
(``record.lines|sum('amount')``), so sums go through the same exact operator
as ``+`` (Decimal, float inputs converted through text) and field lookups go
through the sandbox, so ``attribute='__class__'`` is refused like ``x.__class__``.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable, Mapping
from typing import Any

from jinja2.runtime import Undefined

from ..errors import Abort
from ..i18n import gettext as _
from ..limits import current_budget
from ..operators import binary
from ..values import type_label
from .registry import register, text_argument

BLOCKED_FILTERS = frozenset(
    {
        "attr", "format", "xmlattr", "center", "indent", "wordwrap", "batch", "slice",
        "pprint", "urlize", "random", "tojson", "float", "safe", "forceescape",
        "filesizeformat", "groupby",
    }
)  # fmt: skip


def sequence(value: Any) -> list[Any] | tuple[Any, ...] | range:
    """The items of a list-like value; text and objects are not lists here."""
    if isinstance(value, list | tuple | range):
        return value
    if isinstance(value, Iterable) and not isinstance(value, str | bytes | Mapping):
        items = []
        budget = current_budget()
        for item in value:
            items.append(item)
            budget.check_length(len(items))
        return items
    raise Abort("type", _("expected a list, got a %(type)s") % {"type": type_label(value)})


def getter(environment: Any, attribute: Any) -> Callable[[Any], Any]:
    """Item → field value, following a dotted path (``'customer.email'``, ``'lines.0'``)."""
    if attribute is None:
        return lambda item: item
    if isinstance(attribute, int) and not isinstance(attribute, bool):
        parts: list[Any] = [attribute]
    else:
        path = text_argument(attribute, "attribute")
        parts = [int(p) if p.isdigit() else p for p in path.split(".")]

    def get(item: Any) -> Any:
        for part in parts:
            item = environment.getitem(item, part)
        return item

    return get


@register("sum", pass_arg="environment")
def sum_(environment: Any, value: Any, attribute: Any = None, start: Any = 0) -> Any:
    """Exact total of the items (or of one field of each item)."""
    budget = current_budget()
    get = getter(environment, attribute)
    total = start
    for item in sequence(value):
        total = binary("+", total, get(item), budget)
    return total


@register("map", pass_arg="context")
def map_(context: Any, value: Any, *args: Any, attribute: Any = None, default: Any = None) -> list:
    """``map(attribute='sku')`` picks a field; ``map('upper')`` applies a filter."""
    environment = context.environment
    items = sequence(value)
    if attribute is not None:
        get = getter(environment, attribute)
        values = [get(item) for item in items]
        if default is not None:
            values = [default if isinstance(v, Undefined) else v for v in values]
        return values
    if not args:
        raise Abort("type", _("map needs attribute='field' or the name of a filter"))
    name = text_argument(args[0], "filter")
    if name in BLOCKED_FILTERS:
        raise Abort("security", _("the filter %(name)s is not allowed") % {"name": repr(name)})
    if name not in environment.filters:
        raise Abort("syntax", _("there is no filter named %(name)s") % {"name": repr(name)})
    return [environment.call_filter(name, item, args[1:], context=context) for item in items]


_COMPARISONS: dict[str, Callable[[Any, Any], bool]] = {
    "==": operator.eq,
    "!=": operator.ne,
    ">": operator.gt,
    ">=": operator.ge,
    "<": operator.lt,
    "<=": operator.le,
    "in": lambda left, right: left in right,
    "not in": lambda left, right: left not in right,
    "contains": lambda left, right: right in left,
}


@register("select", pass_arg="environment")
def select(
    environment: Any, value: Any, attribute: Any = None, op: Any = None, compare: Any = None
) -> list:
    """``select('status', '==', 'paid')``; with only a field, keeps items where it is truthy."""
    get = getter(environment, attribute)
    items = sequence(value)
    if op is None:
        return [item for item in items if get(item)]
    test = _COMPARISONS.get(op) if isinstance(op, str) else None
    if test is None:
        raise Abort(
            "type",
            _("unknown comparison %(op)s; use one of: %(ops)s")
            % {"op": repr(op), "ops": ", ".join(_COMPARISONS)},
        )
    try:
        return [item for item in items if test(get(item), compare)]
    except TypeError:
        raise Abort(
            "type", _("cannot compare %(field)s with %(op)s") % {"field": attribute, "op": op}
        ) from None


@register("where", pass_arg="environment")
def where(environment: Any, value: Any, key: Any, expected: Any) -> list:
    """Items whose field ``key`` equals ``expected``."""
    return select(environment, value, key, "==", expected)


@register("pluck")
def pluck(value: Any, key: Any) -> list:
    """The ``key`` field of every object that has one (others are skipped)."""
    return [item[key] for item in sequence(value) if isinstance(item, Mapping) and key in item]


@register("project")
def project(value: Any, fields: Any) -> list[dict]:
    """Each object reshaped to ``fields`` ({new key: its key in the object}): line items into a table's columns.

    Keys an object lacks are left out, so a row is never filled with a guess.
    """
    if not isinstance(fields, Mapping) or not all(isinstance(k, str) and isinstance(v, str)
                                                  for k, v in fields.items()):
        raise Abort("type", _("project() needs an object of new key → existing key"))
    rows, budget = [], current_budget()
    for item in sequence(value):
        if not isinstance(item, Mapping):
            raise Abort("type", _("project() works on a list of objects, not on a %(type)s")
                        % {"type": type_label(item)})
        budget.loop_step()
        rows.append({new: item[old] for new, old in fields.items() if old in item})
    return rows


@register("group_by", pass_arg="environment")
def group_by(environment: Any, value: Any, key: Any) -> dict[Any, list]:
    """``lines|group_by('warehouse')`` → {warehouse: [lines...]}, in first-seen order."""
    get = getter(environment, key)
    groups: dict[Any, list] = {}
    for item in sequence(value):
        group = get(item)
        if isinstance(group, Undefined):
            group._fail_with_undefined_error()
        try:
            groups.setdefault(group, []).append(item)
        except TypeError:
            raise Abort(
                "type",
                _("cannot group by a %(type)s value") % {"type": type_label(group)},
            ) from None
    return groups
