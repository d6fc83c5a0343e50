"""The sandboxed Jinja environment every expression runs in.

It narrows Jinja's SandboxedEnvironment further: attributes come from an
allow list, mapping keys win over methods, only the engine's own functions
are callable, every operator goes through exact, size-checked arithmetic, and
every hook checks the evaluation's deadline. There is no loader, so no
template file can ever be reached.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from jinja2.exceptions import SecurityError
from jinja2.runtime import Context, Undefined
from jinja2.sandbox import SandboxedEnvironment
from jinja2.utils import pass_context

from .attributes import allowed_attributes, is_safe_callable
from .filters import FILTERS
from .functions import GLOBALS
from .i18n import gettext as _
from .lexer import DecimalLexer
from .limits import current_budget
from .operators import OPERATORS, binary
from .render import to_text
from .undefined import LenientUndefined, StrictUndefined
from .values import type_label


@pass_context
def _finalize(context: Context, value: Any) -> str:
    budget = current_budget()
    budget.tick()
    return to_text(value, budget.limits.max_output_chars)


class WeftEnvironment(SandboxedEnvironment):
    intercepted_binops = OPERATORS

    def __init__(self, undefined: type[Undefined]) -> None:
        super().__init__(
            undefined=undefined,
            autoescape=False,
            optimized=False,
            finalize=_finalize,
            trim_blocks=True,
            lstrip_blocks=True,
            cache_size=0,
            auto_reload=False,
        )
        self.filters = dict(FILTERS)
        self.globals = dict(GLOBALS)
        self._decimal_lexer = DecimalLexer(self)

    @property
    def lexer(self) -> DecimalLexer:  # type: ignore[override]
        return self._decimal_lexer

    def is_safe_attribute(self, obj: Any, attr: str, value: Any) -> bool:
        names = allowed_attributes(obj)
        return names is not None and attr in names

    def is_safe_callable(self, obj: Any) -> bool:
        return is_safe_callable(obj)

    def unsafe_undefined(self, obj: Any, attribute: str) -> Undefined:
        raise self._forbidden_attribute(obj, attribute)

    def _forbidden_attribute(self, obj: Any, attribute: Any) -> SecurityError:
        return SecurityError(
            _("access to %(attr)s on %(type)s values is not allowed")
            % {"attr": repr(attribute), "type": type_label(obj)}
        )

    def _attribute(self, obj: Any, attribute: Any) -> Any:
        if not isinstance(attribute, str):
            return self.undefined(obj=obj, name=attribute)
        if attribute.startswith("_"):
            raise self._forbidden_attribute(obj, attribute)
        names = allowed_attributes(obj)
        if names is None:
            raise SecurityError(
                _("%(type)s values have no accessible attributes (%(attr)s)")
                % {"type": type_label(obj), "attr": repr(attribute)}
            )
        if attribute in names:
            return getattr(obj, attribute)
        if not isinstance(obj, Mapping) and hasattr(type(obj), attribute):
            raise self._forbidden_attribute(obj, attribute)
        return self.undefined(obj=obj, name=attribute)

    def getattr(self, obj: Any, attribute: str) -> Any:
        current_budget().tick()
        if type(obj) is dict and attribute in obj and attribute[:1] != "_":
            return obj[attribute]
        if isinstance(obj, Undefined):
            return obj
        if attribute[:1] == "_":
            raise self._forbidden_attribute(obj, attribute)
        if isinstance(obj, Mapping):
            try:
                return obj[attribute]
            except (KeyError, TypeError):
                pass
        return self._attribute(obj, attribute)

    def getitem(self, obj: Any, argument: Any) -> Any:
        current_budget().tick()
        if type(obj) is dict and type(argument) is str and argument[:1] != "_" and argument in obj:
            return obj[argument]
        if isinstance(obj, Undefined):
            return obj
        if isinstance(argument, str) and argument[:1] == "_":
            raise self._forbidden_attribute(obj, argument)
        if isinstance(obj, Mapping):
            try:
                return obj[argument]
            except (KeyError, TypeError):
                return self.undefined(obj=obj, name=argument)
        if isinstance(obj, str | list | tuple | range):
            if isinstance(argument, Decimal) and argument == argument.to_integral_value():
                argument = int(argument)
            if isinstance(argument, int | slice) and not isinstance(argument, bool):
                try:
                    return obj[argument]
                except IndexError:
                    return self.undefined(obj=obj, name=argument)
        if isinstance(argument, str):
            return self._attribute(obj, argument)
        return self.undefined(obj=obj, name=argument)

    def call(__self, __context: Context, __obj: Any, *args: Any, **kwargs: Any) -> Any:
        current_budget().tick()
        kwargs.pop("_loop_vars", None)
        kwargs.pop("_block_vars", None)
        if isinstance(__obj, Undefined):
            return __obj(*args, **kwargs)
        if not is_safe_callable(__obj):
            name = getattr(__obj, "__name__", None)
            raise SecurityError(
                _("calling %(name)s is not allowed")
                % {"name": repr(name) if isinstance(name, str) else type_label(__obj)}
            )
        return __obj(*args, **kwargs)

    def call_binop(self, context: Context, operator: str, left: Any, right: Any) -> Any:
        return binary(operator, left, right, current_budget())


STRICT = WeftEnvironment(StrictUndefined)
LENIENT = WeftEnvironment(LenientUndefined)
