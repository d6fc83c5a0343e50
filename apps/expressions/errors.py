"""The one exception callers of the expression engine ever see.

Definitions are written by users, so every failure (bad syntax, a typo in a
field name, an attempt to escape the sandbox, a runaway loop) must come back
as a message a user can act on, never as a raw Jinja or Python traceback.
"""

from __future__ import annotations

from typing import Literal

from .i18n import gettext as _

ErrorKind = Literal["syntax", "undefined", "type", "security", "limit", "timeout", "runtime"]
KINDS: tuple[str, ...] = ("syntax", "undefined", "type", "security", "limit", "timeout", "runtime")

_SHOWN_SOURCE_CHARS = 120


class ExpressionError(Exception):
    """A user expression could not be compiled or evaluated.

    ``expression`` is the source, ``kind`` classifies the failure so callers
    can react (e.g. treat "undefined" differently from "security"), and
    ``message`` is a translated sentence without the source, so callers can
    show it next to the field that holds the expression.
    """

    def __init__(
        self,
        expression: str,
        kind: ErrorKind,
        message: str,
        *,
        lineno: int | None = None,
        location: str | None = None,
    ) -> None:
        if kind not in KINDS:
            raise ValueError(f"unknown expression error kind {kind!r}")
        self.expression = expression
        self.kind = kind
        self.detail = message
        self.lineno = lineno
        self.location = location
        self.message = f"{location}: {message}" if location else message
        super().__init__(str(self))

    def __str__(self) -> str:
        source = " ".join(self.expression.split())
        if len(source) > _SHOWN_SOURCE_CHARS:
            source = source[: _SHOWN_SOURCE_CHARS - 1] + "…"
        text = _("Expression `%(expression)s`: %(message)s") % {
            "expression": source,
            "message": self.detail,
        }
        return f"{self.location}: {text}" if self.location else text

    def at(self, location: str) -> ExpressionError:
        """Return a copy that says where the expression lives (flow, step, field).

        The engine does not know where an expression is stored; callers do, and
        they add it here without rebuilding the error. Nested calls accumulate:
        ``err.at("flow X").at("step 2")`` gives "flow X / step 2: ...".
        """
        combined = f"{self.location} / {location}" if self.location else location
        clone = ExpressionError(
            self.expression, self.kind, self.detail, lineno=self.lineno, location=combined
        )
        clone.__cause__ = self.__cause__
        return clone

    def __reduce__(self):  # keeps the error picklable, e.g. for Celery results
        return (
            _rebuild,
            (self.expression, self.kind, self.detail, self.lineno, self.location),
        )


def _rebuild(
    expression: str, kind: ErrorKind, detail: str, lineno: int | None, location: str | None
) -> ExpressionError:
    return ExpressionError(expression, kind, detail, lineno=lineno, location=location)


class Abort(Exception):
    """Raised inside an evaluation; turned into an ExpressionError by the caller.

    Hooks and filters do not know the expression source, so they raise this
    with a kind and a message and the evaluator adds the source.
    """

    def __init__(self, kind: ErrorKind, message: str) -> None:
        self.kind = kind
        self.message = message
        super().__init__(message)


def limit_exceeded(message: str) -> Abort:
    return Abort("limit", message)


def forbidden(message: str) -> Abort:
    return Abort("security", message)
