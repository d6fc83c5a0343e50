from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import EmailValidator
from django.utils.translation import gettext_lazy as _

from .base import COMMON_OPS, TEXT_OPS, FieldType, FieldValueError, field_types

_validate = EmailValidator()


def parse_email(value: Any) -> str:
    """The address with its domain in lower case (domains are case-insensitive, local parts need not be)."""
    text = value.strip() if isinstance(value, str) else None
    if text and len(text) <= 254 and "@" in text:
        local, _at, domain = text.rpartition("@")
        text = f"{local}@{domain.lower()}"
        try:
            _validate(text)
            return text
        except ValidationError:
            pass
    raise FieldValueError(_("'%(value)s' is not a valid email address") % {"value": value})


@field_types.register
class EmailField(FieldType):
    type = "email"
    label = _("Email address")
    options_schema = {"placeholder": {"type": "string", "maxLength": 200}}
    value_schema = {"type": "string", "format": "email"}
    filter_ops = COMMON_OPS + TEXT_OPS
    sample: Any = "Buyer.Li@example.com"

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        return parse_email(value)

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        """A full address is matched in its stored form; a fragment ('@example') is searched as typed."""
        try:
            return parse_email(value)
        except FieldValueError:
            return str(value).strip()

    def unique_value(self, value: Any, field: dict) -> str:
        """Mailboxes differing only in case are the same person in practice."""
        return str(value).lower()
