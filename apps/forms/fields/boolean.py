from __future__ import annotations

from typing import Any

from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from .base import FieldType, FieldValueError, field_types

TRUE_WORDS = frozenset({"true", "1", "yes", "y", "是"})
FALSE_WORDS = frozenset({"false", "0", "no", "n", "否"})


def parse_boolean(value: Any) -> bool:
    """True or false from JSON booleans, 0/1 and the words spreadsheets and people use."""
    if isinstance(value, bool):
        return value
    if isinstance(value, int) and value in (0, 1):
        return bool(value)
    if isinstance(value, str):
        word = value.strip().lower()
        if word in TRUE_WORDS:
            return True
        if word in FALSE_WORDS:
            return False
    raise FieldValueError(
        _("'%(value)s' is not true or false; use true/false, yes/no, 1/0 or 是/否")
        % {"value": value}
    )


@field_types.register
class BooleanField(FieldType):
    type = "boolean"
    label = _("Yes / no")
    options_schema: dict[str, Any] = {}
    value_schema = {"type": "boolean"}
    filter_ops = ("eq", "ne", "empty", "not_empty")
    sample: Any = True

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        return parse_boolean(value)

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        return parse_boolean(value)

    def to_csv(self, value: Any, field: dict) -> str:
        return "" if value is None else ("true" if value else "false")

    def unique_value(self, value: Any, field: dict) -> str:
        return "true" if value else "false"

    def display(self, value: Any, field: dict) -> str:
        return "" if value is None else (gettext("Yes") if value else gettext("No"))
