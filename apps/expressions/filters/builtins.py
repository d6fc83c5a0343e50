"""Jinja's own filters that are kept, wrapped so they return plain lists.

Only filters that cannot build large values or reach attributes outside the
sandbox are kept; ``attr``, ``format``, ``center``, ``indent``, ``wordwrap``,
``batch``, ``slice``, ``xmlattr``, ``pprint``, ``urlize``, ``random``,
``tojson``, ``float`` and ``safe`` are not available at all.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from jinja2 import filters as jinja_filters

from ..errors import limit_exceeded
from ..i18n import gettext as _
from ..limits import current_budget
from .registry import register
from .strings import text


@register("dictsort")
def dictsort(value: Any, *args: Any, **kwargs: Any) -> list:
    return list(jinja_filters.do_dictsort(value, *args, **kwargs))


@register("items")
def items(value: Any) -> list:
    return list(jinja_filters.do_items(value))


@register("min", pass_arg="environment")
def minimum(environment: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
    return jinja_filters.do_min(environment, value, *args, **kwargs)


@register("max", pass_arg="environment")
def maximum(environment: Any, value: Any, *args: Any, **kwargs: Any) -> Any:
    return jinja_filters.do_max(environment, value, *args, **kwargs)


@register("selectattr", pass_arg="context")
def selectattr(context: Any, value: Any, *args: Any, **kwargs: Any) -> list:
    return list(jinja_filters.do_selectattr(context, value, *args, **kwargs))


@register("rejectattr", pass_arg="context")
def rejectattr(context: Any, value: Any, *args: Any, **kwargs: Any) -> list:
    return list(jinja_filters.do_rejectattr(context, value, *args, **kwargs))


@register("reject", pass_arg="context")
def reject(context: Any, value: Any, *args: Any, **kwargs: Any) -> list:
    return list(jinja_filters.do_reject(context, value, *args, **kwargs))


@register("urlencode")
def urlencode(value: Any) -> str:
    """Percent-encode text, or an object of fields as a query string."""
    if not isinstance(value, Mapping):
        return quote(text(value), safe="/")
    limit = current_budget().limits.max_output_chars
    parts: list[str] = []
    size = 0
    for key, item in value.items():
        parts.append(f"{quote(text(key), safe='')}={quote(text(item), safe='')}")
        size += len(parts[-1]) + 1
        if size > limit:
            raise limit_exceeded(
                _("the text would be longer than %(limit)s characters") % {"limit": limit}
            )
    return "&".join(parts)
