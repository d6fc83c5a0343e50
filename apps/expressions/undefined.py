"""What a missing name or field evaluates to.

Values and templates must report typos ("'item' is undefined") instead of
silently printing nothing, yet ``{% if record.note %}`` and
``record.note | default('-')`` must keep working for optional fields. Conditions
are more forgiving still: a condition over a missing field is simply false.
"""

from __future__ import annotations

from typing import Any, NoReturn

from jinja2.exceptions import UndefinedError
from jinja2.runtime import Undefined, missing

from .i18n import gettext as _


class StrictUndefined(Undefined):
    """Falsy and comparable, but printing, iterating or computing with it fails."""

    __slots__ = ()

    @property
    def _undefined_message(self) -> str:
        if self._undefined_hint:
            return self._undefined_hint
        if self._undefined_obj is missing:
            return _("'%(name)s' is undefined") % {"name": self._undefined_name}
        return _("'%(name)s' is undefined (no such field or item)") % {"name": self._undefined_name}

    def _fail_with_undefined_error(self, *args: Any, **kwargs: Any) -> NoReturn:
        raise UndefinedError(self._undefined_message)

    __str__ = __iter__ = __len__ = __contains__ = _fail_with_undefined_error  # type: ignore[assignment]
    __hash__ = Undefined.__hash__

    def __repr__(self) -> str:
        return f"Undefined({self._undefined_name!r})"


class LenientUndefined(StrictUndefined):
    """Used for conditions: every use yields another undefined, which is false."""

    __slots__ = ()

    def _same(self, *args: Any, **kwargs: Any) -> LenientUndefined:
        return self

    def _false(self, *args: Any, **kwargs: Any) -> bool:
        return False

    __add__ = __radd__ = __sub__ = __rsub__ = _same
    __mul__ = __rmul__ = __truediv__ = __rtruediv__ = _same
    __floordiv__ = __rfloordiv__ = __mod__ = __rmod__ = _same
    __pow__ = __rpow__ = __pos__ = __neg__ = __call__ = __getitem__ = _same
    __lt__ = __le__ = __gt__ = __ge__ = __contains__ = _false  # type: ignore[assignment]

    def __str__(self) -> str:
        return ""

    def __len__(self) -> int:
        return 0

    def __iter__(self):
        return iter(())
