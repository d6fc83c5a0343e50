"""Several choices from a fixed list, stored in the list's order so equal selections are equal JSON."""

from __future__ import annotations

from typing import Any

from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from .base import DefinitionContext, FieldType, FieldValueError, field_types
from .references import HasElement
from .select import CHOICES_OPTION, check_choices, choice_values, match_choice

SEPARATOR = ";"


def split(value: Any) -> list[Any]:
    """A list as given, or CSV-style text 'a;b' split into its items."""
    if isinstance(value, str):
        return [part for part in (p.strip() for p in value.split(SEPARATOR)) if part]
    if isinstance(value, list | tuple):
        return list(value)
    return [value]


@field_types.register
class MultiSelectField(FieldType):
    type = "multi_select"
    label = _("Multiple choice")
    options_schema = {
        "choices": CHOICES_OPTION,
        "min_count": {"type": "integer", "minimum": 0, "maximum": 1000},
        "max_count": {"type": "integer", "minimum": 1, "maximum": 1000},
    }
    value_schema = {"type": "array", "items": {"type": "string"}}
    filter_ops = ("eq", "contains", "empty", "not_empty")
    sortable = False
    sample: Any = ["urgent", "gift"]
    sample_field: dict[str, Any] = {"choices": ["urgent", "gift", "fragile"]}

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        errors = check_choices(field, forbidden=SEPARATOR)
        low, high = field.get("min_count"), field.get("max_count")
        if low is not None and high is not None and low > high:
            errors["max_count"] = [_("must not be less than min_count (%(n)d)") % {"n": low}]
        return errors

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        chosen: set[str] = set()
        errors: dict[str, list[Any]] = {}
        for index, item in enumerate(split(value)):
            try:
                chosen.add(match_choice(item, field))
            except FieldValueError as exc:
                errors[f"[{index}]"] = exc.errors[""]
        if errors:
            raise FieldValueError(errors=errors)
        result = [v for v in choice_values(field) if v in chosen]
        low, high = field.get("min_count"), field.get("max_count")
        if result and low is not None and len(result) < low:
            raise FieldValueError(_("choose at least %(n)d") % {"n": low})
        if high is not None and len(result) > high:
            raise FieldValueError(_("choose at most %(n)d") % {"n": high})
        return result

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        """A list for 'eq' (in canonical order), a single choice for 'contains'."""
        if isinstance(value, list):
            return self.normalize(value, {"choices": field.get("choices", [])}, ctx)
        return match_choice(value, field)

    def filter_q(self, path: str, field: dict, op: str, value: Any) -> Q:
        if op == "contains":
            return Q(HasElement(path, value))
        return super().filter_q(path, field, op, value)

    def to_csv(self, value: Any, field: dict) -> str:
        return SEPARATOR.join(value or [])

    def unique_value(self, value: Any, field: dict) -> str:
        return SEPARATOR.join(value)
