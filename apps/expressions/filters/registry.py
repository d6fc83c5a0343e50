"""The filter registry: every filter is registered by name in its own small module.

Filters receive values straight from user data, so each one is written to be
total (a clear error instead of a Python exception) and bounded (it checks the
size of what it builds). An undefined input is passed through untouched, so
``record.missing | money`` still reports "'missing' is undefined" in values and
stays false in conditions.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from functools import wraps
from typing import Any, Literal

from jinja2.runtime import Undefined
from jinja2.utils import pass_context, pass_environment

from ..errors import Abort
from ..i18n import gettext as _
from ..limits import current_budget
from ..values import type_label

FILTERS: dict[str, Callable[..., Any]] = {}

PassArg = Literal["environment", "context"] | None


def register(
    *names: str, pass_arg: PassArg = None, accepts_undefined: bool = False
) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register a filter under ``names``; ``pass_arg`` hands Jinja's env/context first."""

    def decorator(function: Callable[..., Any]) -> Callable[..., Any]:
        filter_function = function
        if not accepts_undefined:
            filter_function = _skip_undefined(function, pass_arg is not None)
        if pass_arg == "environment":
            filter_function = pass_environment(filter_function)
        elif pass_arg == "context":
            filter_function = pass_context(filter_function)
        for name in names:
            if name in FILTERS:
                raise ValueError(f"filter {name!r} is registered twice")
            FILTERS[name] = filter_function
        return function

    return decorator


def _skip_undefined(function: Callable[..., Any], has_first: bool) -> Callable[..., Any]:
    index = 1 if has_first else 0

    @wraps(function)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        if len(args) > index and isinstance(args[index], Undefined):
            return args[index]
        for arg in (*args[index + 1 :], *kwargs.values()):
            if isinstance(arg, Undefined):
                arg._fail_with_undefined_error()
        return function(*args, **kwargs)

    return wrapper


def whole_number(value: Any, name: str, *, low: int, high: int) -> int:
    """Validate an integer argument (Decimals with no fraction are accepted)."""
    if (
        isinstance(value, Decimal)
        and value.is_finite()
        and value == value.to_integral_value()
        and low <= value <= high
    ):
        value = int(value)
    if type(value) is not int or not low <= value <= high:
        raise Abort(
            "type",
            _("%(name)s must be a whole number between %(low)s and %(high)s, not %(value)s")
            % {"name": name, "low": low, "high": high, "value": _short(value)},
        )
    return value


def size_argument(value: Any, name: str) -> int:
    """A length or width argument; above ``max_sequence_len`` it is a limit error."""
    size = whole_number(value, name, low=0, high=10**18)
    current_budget().check_length(size)
    return size


def text_argument(value: Any, name: str) -> str:
    if not isinstance(value, str):
        raise Abort(
            "type",
            _("%(name)s must be text, not a %(type)s") % {"name": name, "type": type_label(value)},
        )
    return value


def _short(value: Any) -> str:
    if isinstance(value, str):
        text = repr(value)
    elif isinstance(value, int | Decimal) and not isinstance(value, bool):
        text = str(value)
    else:
        text = type_label(value)
    return text if len(text) <= 40 else text[:39] + "…"
