"""Turning values into text without ever building an unbounded string.

Python's ``str()`` of a list happily produces gigabytes when the list holds
the same large string many times; every place that prints a value (output,
``~``, ``join``, ``string``, ``json``) goes through these writers, which count
characters as they go and stop at the limit.
"""

from __future__ import annotations

import json
from collections.abc import ItemsView, KeysView, Mapping, ValuesView
from datetime import date, datetime, time
from decimal import Decimal

from jinja2.runtime import Undefined

from .errors import limit_exceeded
from .i18n import gettext as _

_PLAIN_EXPONENT = 60
_SEQUENCES = (list, tuple, range, KeysView, ValuesView, ItemsView)


def decimal_text(value: Decimal) -> str:
    """The one Decimal rule: fixed-point text in the number's own scale (zero unsigned), scientific only for
    extreme exponents, so that text stays as short as the number: ``1E+999000`` is not a million digits."""
    if not value.is_finite():
        return str(value)
    if value.is_zero():
        value = value.copy_abs()
    if abs(value.adjusted()) <= _PLAIN_EXPONENT:
        return format(value, "f")
    return str(value)


def scalar_text(value: object) -> str | None:
    """Text of a scalar, or None when ``value`` is a container."""
    if isinstance(value, str):
        return str.__str__(value)
    if value is None:
        return ""
    if isinstance(value, bool | int):
        return str(value)
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, float):
        return decimal_text(Decimal(str(value)))
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Undefined):
        return str(value)
    if isinstance(value, (Mapping, *_SEQUENCES)):
        return None
    return f"<{type(value).__name__}>"


def too_long(limit: int) -> Exception:
    return limit_exceeded(
        _("the text would be longer than %(limit)s characters") % {"limit": limit}
    )


class _Writer:
    __slots__ = ("parts", "size", "limit")

    def __init__(self, limit: int) -> None:
        self.parts: list[str] = []
        self.size = 0
        self.limit = limit

    def add(self, text: str) -> None:
        self.size += len(text)
        if self.size > self.limit:
            raise too_long(self.limit)
        self.parts.append(text)

    def value(self) -> str:
        return "".join(self.parts)


def to_text(value: object, limit: int) -> str:
    """Text shown for ``value`` in output; containers are written as JSON."""
    text = scalar_text(value)
    if text is not None:
        if len(text) > limit:
            raise too_long(limit)
        return text
    writer = _Writer(limit)
    _write_json(writer, value, decimals_as_strings=False, depth=0)
    return writer.value()


def to_json(value: object, limit: int, *, indent: int | None = None) -> str:
    """JSON text with Decimals as strings, so amounts keep every digit."""
    writer = _Writer(limit)
    _write_json(writer, value, decimals_as_strings=True, depth=0, indent=indent)
    return writer.value()


def _write_json(
    writer: _Writer,
    value: object,
    *,
    decimals_as_strings: bool,
    depth: int,
    indent: int | None = None,
) -> None:
    if isinstance(value, Undefined):
        str(value)  # strict undefined values raise here
        writer.add("null")
        return
    if isinstance(value, (Mapping, *_SEQUENCES)):
        if depth > 64:
            raise limit_exceeded(_("the value is nested too deeply"))
        opener, closer = ("{", "}") if isinstance(value, Mapping) else ("[", "]")
        inner = "\n" + " " * (indent * (depth + 1)) if indent else ""
        writer.add(opener)
        items = value.items() if isinstance(value, Mapping) else enumerate(value)
        for index, (key, item) in enumerate(items):
            if index:
                writer.add(",")
            writer.add(inner if indent else (" " if index else ""))
            if isinstance(value, Mapping):
                writer.add(json.dumps(scalar_text(key) or str(key)) + ": ")
            _write_json(
                writer,
                item,
                decimals_as_strings=decimals_as_strings,
                depth=depth + 1,
                indent=indent,
            )
        if indent and len(value):
            writer.add("\n" + " " * (indent * depth))
        writer.add(closer)
        return
    if value is None:
        writer.add("null")
    elif isinstance(value, bool):
        writer.add("true" if value else "false")
    elif isinstance(value, int):
        writer.add(str(value))
    elif isinstance(value, Decimal | float):
        number = value if isinstance(value, Decimal) else Decimal(str(value))
        text = decimal_text(number)
        writer.add(json.dumps(text) if decimals_as_strings or not number.is_finite() else text)
    else:
        writer.add(json.dumps(scalar_text(value)))
