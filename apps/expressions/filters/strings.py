"""Text filters, each checking the length of what it builds before building it.

Jinja's ``center``, ``indent``, ``wordwrap``, ``format`` and ``replace`` can
all be asked for gigabytes (``'a'|center(10**9)``); their replacements here
compute the result size first and refuse it above ``max_sequence_len``.
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup, escape

from ..errors import Abort
from ..i18n import gettext as _
from ..limits import current_budget
from ..render import to_text
from .registry import register, size_argument, text_argument, whole_number


def text(value: Any) -> str:
    """Any value as text, bounded by the output limit (containers become JSON)."""
    return to_text(value, current_budget().limits.max_output_chars)


@register("upper")
def upper(value: Any) -> str:
    return text(value).upper()


@register("lower")
def lower(value: Any) -> str:
    return text(value).lower()


@register("capitalize")
def capitalize(value: Any) -> str:
    return text(value).capitalize()


@register("title")
def title(value: Any) -> str:
    return text(value).title()


@register("trim")
def trim(value: Any, chars: Any = None) -> str:
    """Strip whitespace (or ``chars``) at both ends."""
    return text(value).strip(None if chars is None else text_argument(chars, "chars"))


@register("string")
def string(value: Any) -> str:
    return text(value)


@register("replace")
def replace(value: Any, old: Any, new: Any, count: Any = None) -> str:
    """Replace ``old`` by ``new``; the result length is computed first."""
    source = text(value)
    old, new = text_argument(old, "old"), text_argument(new, "new")
    limit = -1 if count is None else whole_number(count, "count", low=0, high=10**9)
    occurrences = source.count(old) if old else len(source) + 1
    if limit >= 0:
        occurrences = min(occurrences, limit)
    current_budget().check_length(len(source) + occurrences * (len(new) - len(old)))
    return source.replace(old, new, limit)


@register("truncate")
def truncate(value: Any, length: Any = 255, end: Any = "...", killwords: Any = False) -> str:
    """Shorten to at most ``length`` characters, at a word boundary unless ``killwords``."""
    source = text(value)
    length = size_argument(length, "length")
    end = text_argument(end, "end")
    if len(source) <= length:
        return source
    if length <= len(end):
        return source[:length]
    cut = source[: length - len(end)]
    if not killwords and " " in cut:
        cut = cut.rsplit(" ", 1)[0]
    return cut + end


@register("pad_left")
def pad_left(value: Any, width: Any, fill: Any = " ") -> str:
    """``7|pad_left(3, '0')`` → ``007``."""
    source = text(value)
    width = size_argument(width, "width")
    fill = text_argument(fill, "fill")
    if len(fill) != 1:
        raise Abort("type", _("fill must be a single character"))
    return source.rjust(width, fill)


@register("split")
def split(value: Any, separator: Any = None, maxsplit: Any = -1) -> list[str]:
    """Split text into a list; whitespace by default."""
    source = text(value)
    if separator is not None and text_argument(separator, "separator") == "":
        raise Abort("type", _("the separator must not be empty"))
    return source.split(separator, whole_number(maxsplit, "maxsplit", low=-1, high=10**9))


@register("contains")
def contains(value: Any, part: Any) -> bool:
    """Text contains ``part``, or a list contains the item ``part``."""
    if isinstance(value, list | tuple | dict):
        return part in value
    return text(part) in text(value)


@register("escape", "e")
def html_escape(value: Any) -> str:
    """HTML-escape, for notification bodies sent as HTML."""
    return str(escape(text(value)))


@register("striptags")
def striptags(value: Any) -> str:
    return str(Markup(text(value)).striptags())


@register("wordcount")
def wordcount(value: Any) -> int:
    return len(text(value).split())
