"""Reading a list endpoint's paging parameters: one parser, one answer for a bad value.

Every listing takes ``limit`` (how many rows, 1 to ``WEFT["MAX_PAGE_SIZE"]``) and a
cursor of its own (an id to continue ``before``, or an opaque ``cursor``). A value
that is not one of these is the caller's mistake, answered with a 400 naming the
parameter — never a 500 from ``int("abc")``, and never a silent clamp that hides a
typo (``limit=-5`` returning 500 rows surprises a script more than an error does).
"""

from __future__ import annotations

import re
from collections.abc import Mapping

from django.conf import settings
from django.utils.translation import gettext as _

from .errors import ValidationFailed

WHOLE_NUMBER = re.compile(r"-?[0-9]{1,18}")


def page_limit(params: Mapping[str, str], name: str = "limit") -> int:
    """The page size asked for in ``params[name]``, or ``WEFT["DEFAULT_PAGE_SIZE"]`` when absent."""
    raw = params.get(name)
    if raw in (None, ""):
        return int(settings.WEFT["DEFAULT_PAGE_SIZE"])
    highest = int(settings.WEFT["MAX_PAGE_SIZE"])
    value = _whole_number(raw)
    if value is None:
        raise ValidationFailed({name: [_("must be a whole number from 1 to %(n)d") % {"n": highest}]})
    if not 1 <= value <= highest:
        raise ValidationFailed({name: [_("must be from 1 to %(n)d, not %(value)d") % {"n": highest, "value": value}]})
    return value


def before_id(params: Mapping[str, str], name: str = "before") -> int | None:
    """The id cursor in ``params[name]`` (the ``next_before`` of the previous page), or None when absent."""
    raw = params.get(name)
    if raw in (None, ""):
        return None
    value = _whole_number(raw)
    if value is None or value < 1:
        raise ValidationFailed({name: [_("must be the next_before of the previous page (a positive whole number)")]})
    return value


def _whole_number(raw: str) -> int | None:
    match = WHOLE_NUMBER.fullmatch(raw.strip())
    return int(match.group()) if match else None
