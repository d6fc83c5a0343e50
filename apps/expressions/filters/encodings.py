"""Encodings that channel APIs expect: compact JSON parameters and base64.

Douyin signs its ``param_json`` parameter as sent, keys sorted and without
spaces; WooCommerce takes HTTP Basic credentials. Amounts stay exact: a
Decimal is written as a JSON number with all its digits.
"""

from __future__ import annotations

import base64
import json
from collections.abc import Mapping
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from jinja2.runtime import Undefined

from ..errors import Abort, limit_exceeded
from ..i18n import gettext as _
from ..limits import current_budget
from ..render import decimal_text
from ..values import type_label
from .registry import register
from .strings import text

_MAX_DEPTH = 64


class JsonTooLong(ValueError):
    """The JSON text would exceed its limit."""


def json_text(value: Any, *, limit: int, sort_keys: bool = False) -> str:
    """Compact JSON (no spaces) of plain data; Decimals are numbers with every digit kept.

    Raises JsonTooLong above ``limit`` characters and ValueError for values
    that are not plain data, so callers outside an evaluation can use it too.
    """
    parts: list[str] = []
    size = 0

    def add(chunk: str) -> None:
        nonlocal size
        size += len(chunk)
        if size > limit:
            raise JsonTooLong(_("the JSON text would be longer than %(limit)s characters")
                              % {"limit": limit})
        parts.append(chunk)

    def write(item: Any, depth: int) -> None:
        if depth > _MAX_DEPTH:
            raise ValueError(_("the value is nested too deeply"))
        if isinstance(item, Undefined):
            item._fail_with_undefined_error()
        if item is None or isinstance(item, bool | int | str):
            add(json.dumps(item, ensure_ascii=False))
        elif isinstance(item, Decimal | float):
            number = item if isinstance(item, Decimal) else Decimal(str(item))
            if not number.is_finite():
                raise ValueError(_("%(value)s is not a JSON number") % {"value": number})
            add(decimal_text(number))
        elif isinstance(item, datetime | date | time):
            add(json.dumps(item.isoformat()))
        elif isinstance(item, Mapping):
            keys = sorted(item, key=str) if sort_keys else list(item)
            add("{")
            for index, key in enumerate(keys):
                add(("," if index else "") + json.dumps(str(key), ensure_ascii=False) + ":")
                write(item[key], depth + 1)
            add("}")
        elif isinstance(item, list | tuple):
            add("[")
            for index, element in enumerate(item):
                if index:
                    add(",")
                write(element, depth + 1)
            add("]")
        else:
            raise ValueError(_("a %(type)s cannot be written as JSON") % {"type": type_label(item)})

    write(value, 0)
    return "".join(parts)


@register("compact_json")
def compact_json(value: Any, sort_keys: Any = True) -> str:
    """JSON without spaces, keys sorted (unless ``sort_keys`` is false), numbers exact."""
    try:
        return json_text(value, limit=current_budget().limits.max_output_chars,
                         sort_keys=bool(sort_keys))
    except JsonTooLong as error:
        raise limit_exceeded(str(error)) from None
    except ValueError as error:
        raise Abort("type", str(error)) from None


@register("b64encode")
def b64encode(value: Any) -> str:
    """Base64 of the text's UTF-8 bytes, e.g. ``(key ~ ':' ~ secret)|b64encode`` for Basic auth."""
    encoded = base64.b64encode(text(value).encode()).decode()
    limit = current_budget().limits.max_output_chars
    if len(encoded) > limit:
        raise limit_exceeded(_("the text would be longer than %(limit)s characters") % {"limit": limit})
    return encoded
