"""Functions the compiler inserts into every template (users cannot name them).

Jinja's sandbox has no hook for loop iterations, ``~`` concatenation or list
literals; the transformer rewrites those nodes into calls to these guards so
the same limits apply to them as to everything else.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal
from typing import Any

from .attributes import register_safe_function
from .limits import current_budget
from .render import to_text
from .values import check_weight, weight


@register_safe_function
def decimal_literal(text: str) -> Decimal:
    return Decimal(text)


@register_safe_function
def guard_iter(iterable: Iterable[Any]) -> Iterator[Any]:
    """Count every loop iteration against the evaluation's total."""
    budget = current_budget()
    for item in iterable:
        budget.loop_step()
        yield item


@register_safe_function
def concat(*parts: Any) -> str:
    """``a ~ b ~ c`` with the result length checked before it is built."""
    budget = current_budget()
    budget.tick()
    limit = budget.limits.max_sequence_len
    texts = [to_text(part, limit) for part in parts]
    budget.check_length(sum(map(len, texts)))
    return "".join(texts)


@register_safe_function
def build_list(*items: Any) -> list[Any]:
    """A list literal whose items are computed; its expanded size is bounded."""
    budget = current_budget()
    check_weight(1 + sum(weight(item, budget) for item in items), budget)
    return list(items)


@register_safe_function
def build_dict(*pairs: Any) -> dict[Any, Any]:
    """A dict literal (given as key, value, key, value...) with a bounded size."""
    budget = current_budget()
    values = pairs[1::2]
    check_weight(1 + sum(weight(value, budget) for value in values), budget)
    return dict(zip(pairs[::2], values, strict=True))
