"""One strict JSON reader for every body Weft accepts, and the check that text can be stored.

Python's ``json`` reads more than Weft can keep: ``NaN`` and ``Infinity``
(and ``1e999999``, which becomes infinity) are no JSON a database or another
program reads back; nesting thousands of levels deep ends in a
``RecursionError``; and the escapes ``\\u0000`` (NUL) and a lone surrogate
such as ``\\ud800`` give strings PostgreSQL refuses to store (``jsonb`` and
``text`` alike), long after the request was answered. Every door (the API's
parser, the webhook intakes) reads bodies with ``loads`` here, so such a body
is refused when it arrives, with a code and the JSON path of what is wrong;
``unstorable`` is the same check for values that were not read from JSON
(a CSV cell, a computed text), and ``storable`` the repair for what is only
kept as evidence (headers, error messages, an excerpt of a refused body).

Numbers are read as ``json`` reads them (integers as ``int``, fractions as
``float``): the decimal field types turn a float into a Decimal through its
shortest text, so ``19.99`` stays ``19.99``.
"""

from __future__ import annotations

import json
import math
import re
from itertools import accumulate
from typing import Any

from django.utils.translation import gettext as _

MAX_DEPTH = 64
MAX_NUMBER_CHARS = 100

_UNSTORABLE = re.compile("[\x00\ud800-\udfff]")
_ESCAPED_UNSTORABLE = re.compile(r"\\u(?:0000|d[89a-f])", re.IGNORECASE)
_STRING = re.compile(r'"(?:[^"\\]|\\.)*+"', re.DOTALL)
_NOT_BRACKET = re.compile(r"[^\[\]{}]+")
_STEP = {"[": 1, "{": 1, "]": -1, "}": -1}


class StrictJSONError(ValueError):
    """A body or value refused: ``code`` for machines, ``reason`` for people, ``path`` where it is (or "")."""

    def __init__(self, code: str, reason: str, path: str = ""):
        self.code = code
        self.reason = reason
        self.path = path
        super().__init__(f"{path}: {reason}" if path else reason)


def loads(raw: str | bytes) -> Any:
    """The JSON value of ``raw`` (bytes are UTF-8), or StrictJSONError saying what is wrong and where."""
    if isinstance(raw, bytes | bytearray):
        try:
            text = bytes(raw).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise StrictJSONError("malformed_json", _("The body is not UTF-8 text (byte %(n)d).")
                                  % {"n": exc.start}) from None
    else:
        text = raw
    try:
        value = json.loads(text, parse_constant=_constant, parse_float=_float, parse_int=_int)
    except RecursionError:
        raise _too_deep() from None
    except StrictJSONError:
        raise
    except ValueError as exc:
        raise StrictJSONError("malformed_json", _("The body is not valid JSON: %(reason)s") % {"reason": exc}) \
            from None
    if text.count("[") + text.count("{") > MAX_DEPTH and _depth(text) > MAX_DEPTH:
        raise _too_deep()
    if _ESCAPED_UNSTORABLE.search(text) or _UNSTORABLE.search(text):
        check_storable(value)
    return value


def is_json_media_type(content_type: str) -> bool:
    """Whether a webhook body labelled so is read as JSON: no label, any JSON type, or text/plain.

    Senders label JSON ``application/json``, ``application/<vendor>+json``,
    ``text/json`` or, some of them, ``text/plain``; a form, XML or multipart
    body is another format, refused rather than misread.
    """
    media = content_type.split(";", 1)[0].strip().lower()
    return media in ("", "application/json", "text/json", "text/plain") or (
        media.startswith("application/") and media.endswith("+json"))


def check_storable(value: Any, path: str = "") -> None:
    """Raise StrictJSONError (code ``unstorable_text``) at the first string or key that cannot be stored."""
    found = unstorable(value, path)
    if found is not None:
        raise StrictJSONError("unstorable_text", found[1], found[0])


def unstorable(value: Any, path: str = "") -> tuple[str, str] | None:
    """The path and reason of the first text in ``value`` (strings and keys, at any depth) no database stores."""
    stack: list[tuple[Any, str]] = [(value, path)]
    while stack:
        item, where = stack.pop()
        if isinstance(item, str):
            reason = _text_reason(item)
            if reason:
                return where, reason
        elif isinstance(item, dict):
            for key, sub in reversed(list(item.items())):
                if isinstance(key, str):
                    reason = _text_reason(key)
                    if reason:
                        return _join(where, safe_text(key)), _("The key %(reason)s") % {"reason": reason}
                stack.append((sub, _join(where, safe_text(str(key)))))
        elif isinstance(item, list | tuple):
            stack.extend((sub, f"{where}[{index}]") for index, sub in reversed(list(enumerate(item))))
    return None


def storable(value: Any, depth: int = 0) -> Any:
    """``value`` with every NUL and lone surrogate in its strings and keys replaced by U+FFFD, for evidence."""
    if isinstance(value, str):
        return safe_text(value, "\ufffd")
    if depth > MAX_DEPTH:
        return None
    if isinstance(value, dict):
        return {storable(k, depth + 1) if isinstance(k, str) else k: storable(v, depth + 1) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [storable(v, depth + 1) for v in value]
    return value


def safe_text(text: str, replacement: str | None = None) -> str:
    """``text`` with NUL and lone surrogates written as ``\\u0000``-style escapes (or ``replacement``)."""
    if not _UNSTORABLE.search(text):
        return text
    return _UNSTORABLE.sub(lambda m: replacement or f"\\u{ord(m.group()):04x}", text)


def _text_reason(text: str) -> str | None:
    found = _UNSTORABLE.search(text)
    if found is None:
        return None
    if found.group() == "\x00":
        return _("contains a NUL character (\\u0000), which cannot be stored.")
    return _("contains a lone surrogate (\\u%(code)04x), which is not a character and cannot be stored.") % {
        "code": ord(found.group())}


def _join(path: str, key: str) -> str:
    return f"{path}.{key}" if path else key


def _depth(text: str) -> int:
    """How deep arrays and objects nest in valid JSON ``text``, without recursion."""
    brackets = _NOT_BRACKET.sub("", _STRING.sub("", text))
    return max(accumulate(map(_STEP.__getitem__, brackets)), default=0)


def _too_deep() -> StrictJSONError:
    return StrictJSONError("json_too_deep", _("Arrays and objects nest deeper than %(n)d levels.") % {"n": MAX_DEPTH})


def _constant(name: str) -> Any:
    raise StrictJSONError("json_bad_number", _("%(name)s is not a number JSON allows.") % {"name": name})


def _float(text: str) -> float:
    if len(text) > MAX_NUMBER_CHARS:
        raise _long_number()
    number = float(text)
    if not math.isfinite(number):
        raise StrictJSONError("json_bad_number", _("The number %(text)s is too large to be represented.")
                              % {"text": text})
    return number


def _int(text: str) -> int:
    if len(text) > MAX_NUMBER_CHARS:
        raise _long_number()
    return int(text)


def _long_number() -> StrictJSONError:
    return StrictJSONError("json_bad_number", _("A number is longer than %(n)d characters.") % {"n": MAX_NUMBER_CHARS})
