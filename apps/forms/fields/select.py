"""One choice from a fixed list; the helpers here are shared with ``multi_select``."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .base import COMMON_OPS, DefinitionContext, FieldType, FieldValueError, field_types

CHOICE_VALUE = {"type": "string", "minLength": 1, "maxLength": 200}
CHOICES_OPTION = {
    "type": "array",
    "minItems": 1,
    "maxItems": 1000,
    "items": {
        "oneOf": [
            CHOICE_VALUE,
            {
                "type": "object",
                "properties": {
                    "value": CHOICE_VALUE,
                    "label": {"$ref": "#/$defs/label"},
                    "color": {"type": "string", "maxLength": 20},
                },
                "required": ["value"],
                "additionalProperties": False,
            },
        ]
    },
}
LISTED = 20


def choice_values(field: dict) -> list[str]:
    return [c["value"] if isinstance(c, dict) else c for c in field.get("choices", [])]


def _labels(choice: Any) -> list[str]:
    label = choice.get("label") if isinstance(choice, dict) else None
    if isinstance(label, dict):
        return [text for text in label.values() if text]
    return [label] if label else []


def match_choice(value: Any, field: dict) -> str:
    """The choice's value for ``value``, given as the value itself or, for imports, as its label."""
    values = choice_values(field)
    listing = ", ".join(values[:LISTED]) + (", …" if len(values) > LISTED else "")
    if isinstance(value, bool) or not isinstance(value, str | int):
        raise FieldValueError(_("must be one of the choices: %(choices)s") % {"choices": listing})
    text = str(value).strip()
    if text in values:
        return text
    for choice in field.get("choices", []):
        if text in _labels(choice):
            return choice["value"]
    raise FieldValueError(
        _("'%(value)s' is not one of the choices: %(choices)s")
        % {"value": text, "choices": listing}
    )


def check_choices(field: dict, forbidden: str = "") -> dict[str, list[Any]]:
    """Choices are required and distinct; ``forbidden`` characters are reserved (';' separates CSV values)."""
    if not field.get("choices"):
        return {"choices": [_("is required")]}
    errors: dict[str, list[Any]] = {}
    seen: set[str] = set()
    for index, value in enumerate(choice_values(field)):
        if value in seen:
            errors.setdefault(f"choices[{index}]", []).append(
                _("'%(value)s' is listed twice") % {"value": value}
            )
        seen.add(value)
        if any(ch in value for ch in forbidden):
            errors.setdefault(f"choices[{index}]", []).append(
                _("must not contain '%(chars)s', which separates values in CSV files")
                % {"chars": forbidden}
            )
    return errors


@field_types.register
class SelectField(FieldType):
    type = "select"
    label = _("Single choice")
    options_schema = {"choices": CHOICES_OPTION}
    value_schema = {"type": "string"}
    filter_ops = COMMON_OPS
    sample: Any = "paid"
    sample_field: dict[str, Any] = {
        "choices": ["pending", {"value": "paid", "label": {"en": "Paid", "zh-hans": "已付款"}}]
    }

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        errors = check_choices(field)
        if not errors and field.get("default") not in (None, ""):
            try:
                self.normalize(field["default"], field, None)
            except FieldValueError as exc:
                errors["default"] = exc.errors[""]
        return errors

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        return match_choice(value, field)

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        return match_choice(value, field)

    def from_csv(self, text: str, field: dict) -> Any:
        return text.strip() or None
