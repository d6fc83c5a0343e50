from __future__ import annotations

import hashlib
import unicodedata
from typing import Any

from django.utils.translation import gettext_lazy as _

from .base import (
    COMMON_OPS,
    TEXT_OPS,
    FieldType,
    FieldValueError,
    check_length_and_pattern,
    field_types,
)

TEXT_OPTIONS = {
    "min_length": {"type": "integer", "minimum": 0},
    "max_length": {"type": "integer", "minimum": 1, "maximum": 100000},
    "regex": {"type": "string", "maxLength": 500},
    "regex_message": {"type": "string", "maxLength": 200},
    "placeholder": {"type": "string", "maxLength": 200},
}
UNIQUE_TEXT_LIMIT = 128


def canonical_text(text: str) -> str:
    """Text for uniqueness: NFC so look-alike encodings collide; long text hashed to fit the index."""
    text = unicodedata.normalize("NFC", text)
    if len(text) > UNIQUE_TEXT_LIMIT:
        return "sha256:" + hashlib.sha256(text.encode()).hexdigest()
    return text


@field_types.register
class TextField(FieldType):
    type = "text"
    label = _("Single-line text")
    options_schema = TEXT_OPTIONS
    value_schema = {"type": "string"}
    filter_ops = COMMON_OPS + TEXT_OPS
    default_max_length = 1000
    multiline = False
    sample: Any = "Blue T-shirt, size M"

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise FieldValueError(_("must be text"))
        text = str(value)
        if self.multiline:
            text = text.replace("\r\n", "\n").replace("\r", "\n").strip()
        else:
            text = text.strip()
            if "\n" in text or "\r" in text:
                raise FieldValueError(_("must be a single line"))
        limits = {"max_length": self.default_max_length, **field}
        check_length_and_pattern(text, limits)
        return text or None

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        """Search text is not held to the field's length or pattern: 'contains ab' must work."""
        if isinstance(value, bool) or not isinstance(value, str | int):
            raise FieldValueError(_("must be text"))
        return str(value).strip()

    def unique_value(self, value: Any, field: dict) -> str:
        return canonical_text(str(value))
