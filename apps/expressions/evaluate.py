"""The public entry points: evaluate values, expressions, conditions and templates.

Each call runs under a fresh budget and a fixed decimal context, and every
failure, whatever raised it, leaves as an ExpressionError naming the source.
"""

from __future__ import annotations

import decimal
from collections.abc import ItemsView, Iterator, KeysView, Mapping, ValuesView
from datetime import date, datetime, time
from typing import Any, Literal

from jinja2.exceptions import SecurityError, TemplateError, UndefinedError
from jinja2.runtime import Undefined, new_context

from .compiler import RESULT, Compiled, Flavor, compile_source
from .errors import Abort, ExpressionError, limit_exceeded
from .functions import GLOBALS
from .i18n import gettext as _
from .i18n import gettext_noop
from .limits import ACTIVE_BUDGET, DEFAULT_LIMITS, Budget, Limits
from .policy import Mode
from .values import type_label

_DECIMALS = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    Emin=-999_999,
    Emax=999_999,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)
_SCALARS = (str, int, decimal.Decimal, bool, type(None), date, datetime, time)


def _compiled(flavor: Flavor, mode: Mode, source: str) -> Compiled:
    if not isinstance(source, str):
        raise TypeError("expression source must be a str")
    compiled = compile_source(flavor, mode, source)
    compiled.raise_error(source)
    return compiled


def _execute(compiled: Compiled, source: str, context: Mapping[str, Any], limits: Limits) -> Any:
    template = compiled.template
    assert template is not None
    budget = Budget(limits)
    token = ACTIVE_BUDGET.set(budget)
    try:
        with decimal.localcontext(_DECIMALS):
            variables = {**GLOBALS, **context}
            ctx = new_context(template.environment, template.name, template.blocks, variables, True)
            chunks = template.root_render_func(ctx)
            if compiled.native:
                for _chunk in chunks:
                    budget.tick()
                return _native(ctx.vars[RESULT], budget, 0)
            return _collect(chunks, budget)
    except ExpressionError:
        raise
    except Exception as error:  # every failure becomes an ExpressionError
        raise translate(error, source) from error
    finally:
        ACTIVE_BUDGET.reset(token)


def _collect(chunks: Iterator[str], budget: Budget) -> str:
    limit = budget.limits.max_output_chars
    parts: list[str] = []
    size = 0
    for chunk in chunks:
        size += len(chunk)
        if size > limit:
            raise limit_exceeded(
                _("the output would be longer than %(limit)s characters") % {"limit": limit}
            )
        parts.append(chunk)
        budget.tick()
    return "".join(parts)


def _native(value: Any, budget: Budget, depth: int) -> Any:
    """Plain data for the caller: no undefined, tuple, range, iterator or Markup."""
    if type(value) is Undefined:  # ``a if b`` without else: Jinja renders it as ""
        return None
    if isinstance(value, Undefined):
        value._fail_with_undefined_error()
    if isinstance(value, _SCALARS):
        return str.__str__(value) if isinstance(value, str) else value
    if isinstance(value, float):
        return decimal.Decimal(str(value))
    if depth > 64:
        raise limit_exceeded(_("the value is nested too deeply"))
    if isinstance(value, Mapping):
        budget.tick()
        return {key: _native(item, budget, depth + 1) for key, item in value.items()}
    if isinstance(value, list | tuple | range | Iterator | KeysView | ValuesView | ItemsView):
        budget.tick()
        return [_native(item, budget, depth + 1) for item in value]
    raise Abort("type", _("the result is a %(type)s, not a value") % {"type": type_label(value)})


_PYTHON_KINDS: tuple[tuple[type[BaseException], str, str | None], ...] = (
    (decimal.Overflow, "limit", gettext_noop("the number is too large")),
    (ZeroDivisionError, "runtime", gettext_noop("division by zero")),
    (decimal.InvalidOperation, "runtime", gettext_noop("invalid decimal operation")),
    (RecursionError, "limit", gettext_noop("the expression is nested too deeply")),
    (MemoryError, "limit", gettext_noop("the expression needs too much memory")),
    (OverflowError, "limit", gettext_noop("the number is too large")),
    (TypeError, "type", None),
    (ValueError, "runtime", None),
)


def translate(error: BaseException, source: str) -> ExpressionError:
    """Map any exception raised while evaluating to an ExpressionError."""
    if isinstance(error, Abort):
        return ExpressionError(source, error.kind, error.message)
    if isinstance(error, SecurityError):
        return ExpressionError(source, "security", str(error))
    if isinstance(error, UndefinedError):
        return ExpressionError(source, "undefined", str(error))
    if isinstance(error, TemplateError):
        return ExpressionError(source, "runtime", str(error))
    for kind_type, kind, message in _PYTHON_KINDS:
        if isinstance(error, kind_type):
            return ExpressionError(source, kind, _(message) if message else str(error))  # type: ignore[arg-type]
    return ExpressionError(source, "runtime", _("unexpected error: %(error)s") % {"error": error})


def _limits(limits: Limits | None) -> Limits:
    return DEFAULT_LIMITS if limits is None else limits


def evaluate_value(source: str, context: Mapping[str, Any], *, limits: Limits | None = None) -> Any:
    """Evaluate a field value: a literal, one ``{{ expr }}`` (native result) or text.

    Field values are usually plain literals ("Free shipping"), so a source with
    no ``{{`` or ``{%`` is returned untouched without compiling anything.
    """
    if not isinstance(source, str):
        raise TypeError("expression source must be a str")
    if "{{" not in source and "{%" not in source:
        return source
    return _execute(_compiled("strict", "value", source), source, context, _limits(limits))


def evaluate_expression(
    source: str, context: Mapping[str, Any], *, limits: Limits | None = None
) -> Any:
    """Evaluate a bare expression such as ``record.qty * item.price``; native result."""
    return _execute(_compiled("strict", "expression", source), source, context, _limits(limits))


def evaluate_condition(
    source: str, context: Mapping[str, Any], *, limits: Limits | None = None
) -> bool:
    """Evaluate a bare expression as a boolean; anything undefined counts as false."""
    compiled = _compiled("lenient", "expression", source)
    try:
        return bool(_execute(compiled, source, context, _limits(limits)))
    except ExpressionError as error:
        if error.kind == "undefined":
            return False
        raise


def render_template(
    source: str, context: Mapping[str, Any], *, limits: Limits | None = None
) -> str:
    """Render a multi-line text template (``if``, ``for`` and simple ``set`` allowed)."""
    return str(_execute(_compiled("strict", "template", source), source, context, _limits(limits)))


CheckMode = Literal["value", "expression", "condition", "template"]


def check_syntax(source: str, *, mode: CheckMode) -> str | None:
    """None when ``source`` compiles in ``mode``, else a message for the user.

    Runs the same parse and static checks as evaluation, so forbidden constructs
    are reported when a definition is saved rather than when it first runs.
    """
    if mode == "value" and "{{" not in source and "{%" not in source:
        return None
    compiled = compile_source("strict", "expression" if mode == "condition" else mode, source)
    return None if compiled.error is None else compiled.error[1]
