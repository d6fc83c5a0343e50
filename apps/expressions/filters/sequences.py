"""Filters that reorder, deduplicate, measure or join sequences.

``join`` counts characters as it goes and stops at ``max_sequence_len``, so a
list of large strings cannot be glued into a huge one; ``unique`` and ``sort``
tick the time budget because they walk every item.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from jinja2.runtime import Undefined

from ..errors import Abort, limit_exceeded
from ..i18n import gettext as _
from ..limits import Budget, current_budget
from ..render import to_text
from .lists import getter, sequence
from .registry import register, text_argument


@register("first", pass_arg="environment")
def first(environment: Any, value: Any) -> Any:
    for item in value if isinstance(value, str) else sequence(value):
        return item
    return environment.undefined(hint=_("the list is empty, it has no first item"))


@register("last", pass_arg="environment")
def last(environment: Any, value: Any) -> Any:
    items = value if isinstance(value, str) else sequence(value)
    if not items:
        return environment.undefined(hint=_("the list is empty, it has no last item"))
    return items[-1]


@register("length", "count")
def length(value: Any) -> int:
    if isinstance(value, str | Mapping):
        return len(value)
    return len(sequence(value))


@register("reverse")
def reverse(value: Any) -> Any:
    if isinstance(value, str):
        return value[::-1]
    return list(reversed(sequence(value)))


@register("list")
def to_list(value: Any) -> list:
    if isinstance(value, str):
        return list(value)
    if isinstance(value, Mapping):
        return list(value)
    return list(sequence(value))


def _freeze(value: Any, budget: Budget) -> Any:
    if isinstance(value, Mapping):
        budget.tick()
        return ("{}", tuple((k, _freeze(v, budget)) for k, v in value.items()))
    if isinstance(value, list | tuple):
        budget.tick()
        return ("[]", tuple(_freeze(v, budget) for v in value))
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    return value


@register("unique", pass_arg="environment")
def unique(environment: Any, value: Any, attribute: Any = None) -> list:
    """Items in first-seen order without repeats (by ``attribute`` when given)."""
    budget = current_budget()
    get = getter(environment, attribute)
    seen: set[Any] = set()
    result = []
    for item in sequence(value):
        key = _freeze(get(item), budget)
        if key not in seen:
            seen.add(key)
            result.append(item)
    return result


def _sort_key(value: Any, case_sensitive: bool) -> tuple[bool, Any]:
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, str) and not case_sensitive:
        value = value.casefold()
    return (value is not None, value)


@register("sort", pass_arg="environment")
def sort(
    environment: Any,
    value: Any,
    attribute: Any = None,
    reverse: Any = False,
    case_sensitive: Any = False,
) -> list:
    """Sorted copy; empty values (none) first; text compared without case by default."""
    current_budget().tick()
    get = getter(environment, attribute)
    try:
        return sorted(
            sequence(value),
            key=lambda item: _sort_key(get(item), bool(case_sensitive)),
            reverse=bool(reverse),
        )
    except TypeError:
        raise Abort("type", _("cannot sort a list whose items have different types")) from None


@register("join", pass_arg="environment")
def join(environment: Any, value: Any, separator: Any = "", attribute: Any = None) -> str:
    """Join items as text; the total length is checked item by item."""
    budget = current_budget()
    limit = budget.limits.max_sequence_len
    separator = text_argument(separator, "separator")
    get = getter(environment, attribute)
    items: Iterable[Any] = value if isinstance(value, str) else sequence(value)
    parts: list[str] = []
    size = 0
    for item in items:
        part = to_text(get(item), limit)
        size += len(part) + (len(separator) if parts else 0)
        if size > limit:
            raise limit_exceeded(
                _("the joined text would be longer than %(limit)s characters") % {"limit": limit}
            )
        parts.append(part)
    return separator.join(parts)
