from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils.translation import gettext_lazy as _

from .base import COMMON_OPS, TEXT_OPS, FieldType, FieldValueError, field_types

MAX_URL_LENGTH = 2000
_validate = URLValidator(schemes=["http", "https"])


def parse_url(value: Any) -> str:
    """Web addresses only: other schemes (javascript:, file:, ftp:) are refused, as links are clicked by others."""
    text = value.strip() if isinstance(value, str) else ""
    scheme = text.split(":", 1)[0].lower() if ":" in text else ""
    if scheme not in ("http", "https"):
        raise FieldValueError(
            _("'%(value)s' must start with http:// or https://") % {"value": value}
        )
    if len(text) > MAX_URL_LENGTH:
        raise FieldValueError(_("must be at most %(n)d characters long") % {"n": MAX_URL_LENGTH})
    try:
        _validate(text)
    except ValidationError:
        raise FieldValueError(
            _("'%(value)s' is not a valid web address") % {"value": value}
        ) from None
    return text


@field_types.register
class UrlField(FieldType):
    type = "url"
    label = _("Web address")
    options_schema = {"placeholder": {"type": "string", "maxLength": 200}}
    value_schema = {"type": "string", "format": "uri"}
    filter_ops = COMMON_OPS + TEXT_OPS
    sample: Any = "https://shop.example.com/item/123?ref=weft"

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        return parse_url(value)

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        return str(value).strip()
