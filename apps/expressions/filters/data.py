"""Filters about whole values: JSON output and defaults for missing data."""

from __future__ import annotations

from typing import Any

from jinja2.runtime import Undefined

from ..limits import current_budget
from ..render import to_json
from .registry import register, whole_number


@register("json")
def json(value: Any, indent: Any = None) -> str:
    """JSON text with Decimals as strings, so no amount is rounded by a JSON reader."""
    width = None if indent is None else whole_number(indent, "indent", low=0, high=8)
    return to_json(value, current_budget().limits.max_output_chars, indent=width or None)


@register("default", "d", accepts_undefined=True)
def default(value: Any, default_value: Any = "", boolean: Any = False) -> Any:
    """``default_value`` when ``value`` is undefined or none (or falsy with ``boolean``).

    Unlike Jinja's, none counts as missing: record fields stored as JSON null
    are what users mean by "empty".
    """
    if isinstance(value, Undefined) or value is None or (boolean and not value):
        return default_value
    return value
