"""Checking every expression of one definition (a flow, a form, an endpoint mapping), within bounds.

Checking an expression means parsing and compiling it, which costs CPU in
proportion to its size. A definition is a request body, so without bounds one
request of a megabyte of expressions could hold a web worker for a minute.
``DefinitionChecks`` refuses an expression longer than ``EXPRESSION_MAX_CHARS``
without reading it, stops once the definition's expressions add up to more
than ``DEFINITION_EXPRESSION_CHARS``, and stops once checking has taken
``DEFINITION_CHECK_MS``; each refusal is a message the caller shows at the
expression's place, so the definition is refused with the reason.
"""

from __future__ import annotations

from time import perf_counter

from .evaluate import CheckMode, check_syntax
from .i18n import gettext as _

DEFAULTS = {"EXPRESSION_MAX_CHARS": 4000, "DEFINITION_EXPRESSION_CHARS": 64 * 1024, "DEFINITION_CHECK_MS": 2000}


def _setting(name: str) -> int:
    """``settings.WEFT[name]``; the default where Django is not configured (the engine runs without it)."""
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured

    try:
        configured = getattr(settings, "WEFT", {})
    except ImproperlyConfigured:
        configured = {}
    return int(configured.get(name, DEFAULTS[name]))


class DefinitionChecks:
    """The expression checks of one definition: create one per definition, call ``check`` for each source."""

    def __init__(self, *, max_chars: int | None = None, max_total_chars: int | None = None,
                 time_ms: int | None = None):
        self.max_chars = _setting("EXPRESSION_MAX_CHARS") if max_chars is None else max_chars
        self.max_total_chars = (_setting("DEFINITION_EXPRESSION_CHARS") if max_total_chars is None
                                else max_total_chars)
        self.time_ms = _setting("DEFINITION_CHECK_MS") if time_ms is None else time_ms
        self.total_chars = 0
        self.stopped = False
        self._deadline = perf_counter() + self.time_ms / 1000

    def check(self, source: str, *, mode: CheckMode) -> str | None:
        """None when ``source`` is fine, else a message for its place in the definition.

        After the definition's budget is spent, the message says so once and the
        remaining sources are not checked (the definition is refused anyway).
        """
        if self.stopped:
            return None
        if mode == "value" and "{{" not in source and "{%" not in source:
            return None  # a literal: nothing to compile
        if len(source) > self.max_chars:
            return _("the expression is %(length)s characters long; the limit is %(limit)s") % {
                "length": len(source), "limit": self.max_chars}
        self.total_chars += len(source)
        if self.total_chars > self.max_total_chars:
            self.stopped = True
            return _("the expressions of this definition are longer than %(limit)s characters in all; "
                     "checking stopped here") % {"limit": self.max_total_chars}
        if perf_counter() > self._deadline:
            self.stopped = True
            return _("checking the expressions of this definition took longer than %(ms)s ms; "
                     "checking stopped here (simplify or split the definition)") % {"ms": self.time_ms}
        return check_syntax(source, mode=mode)
