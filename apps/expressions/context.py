"""Building evaluation contexts from application data.

The sandbox exposes no attributes of arbitrary objects, but a model instance
in a context would still be a risk (its ``__str__`` or ``__eq__`` may hit the
database) and a float would break exact money. ``make_context`` copies input
into plain data and refuses anything else, naming where it was found.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any
from uuid import UUID

_MAX_DEPTH = 64
_PLAIN = (str, int, bool, Decimal, date, datetime, time, type(None))


def make_context(**parts: Any) -> dict[str, Any]:
    """Deep-copy ``parts`` into plain data: floats become Decimal, tuples and sets lists.

    Raises TypeError for values that are not plain data (model instances,
    functions, files...) and ValueError for structures nested too deeply.
    """
    return {name: context_value(value, name) for name, value in parts.items()}


def context_value(value: Any, path: str = "value", depth: int = 0) -> Any:
    """One value as context data (floats become Decimal, tuples lists); ``path`` names it in errors."""
    if depth > _MAX_DEPTH:
        raise ValueError(f"context value at {path!r} is nested more than {_MAX_DEPTH} levels deep")
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise ValueError(f"context value at {path!r} is not a finite number")
        return Decimal(str(value))
    if isinstance(value, _PLAIN):
        return str(value) if isinstance(value, str) and type(value) is not str else value
    if isinstance(value, UUID):
        return str(value)
    if isinstance(value, Mapping):
        result = {}
        for key, item in value.items():
            if not isinstance(key, str | int) or isinstance(key, bool):
                raise TypeError(f"context key {key!r} at {path!r} must be text or an integer")
            result[key] = context_value(item, f"{path}.{key}", depth + 1)
        return result
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value, key=repr) if isinstance(value, set | frozenset) else value
        return [context_value(item, f"{path}[{index}]", depth + 1) for index, item in enumerate(items)]
    raise TypeError(
        f"context value at {path!r} is a {type(value).__module__}.{type(value).__qualname__}; "
        "only plain data (dict, list, str, int, Decimal, bool, None, date, datetime) is allowed"
    )
