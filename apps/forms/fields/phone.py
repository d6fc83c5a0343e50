from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext_lazy as _

from .base import COMMON_OPS, TEXT_OPS, FieldType, FieldValueError, field_types

_SEPARATORS = re.compile(r"[\s\-().\u3000]")
_CN_MOBILE = re.compile(r"1[3-9]\d{9}")
_CN_MOBILE_PREFIX = re.compile(r"1[3-9]")
_INTERNATIONAL = re.compile(r"\+[1-9]\d{6,14}")


def parse_phone(value: Any) -> str:
    """'+<country code><number>', except mainland mobiles, kept as the 11 digits people know them by.

    '+86 138-0013-8000', '0086 13800138000' and '138 0013 8000' are all stored as
    '13800138000', so the same customer is found and deduplicated however it was typed.
    """
    if isinstance(value, int) and not isinstance(value, bool):
        value = str(value)
    if isinstance(value, str):
        text = _SEPARATORS.sub("", value.strip())
        if text.startswith("00"):
            text = "+" + text[2:]
        if text.startswith("+86") and _CN_MOBILE_PREFIX.match(text[3:]):
            text = text[3:]
        if _CN_MOBILE.fullmatch(text) or _INTERNATIONAL.fullmatch(text):
            return text
    raise FieldValueError(
        _(
            "'%(value)s' is not a valid phone number; use +<country code><number> or an 11-digit mainland mobile number"
        )
        % {"value": value}
    )


@field_types.register
class PhoneField(FieldType):
    type = "phone"
    label = _("Phone number")
    options_schema = {"placeholder": {"type": "string", "maxLength": 200}}
    value_schema = {"type": "string", "pattern": r"^(\+[1-9]\d{6,14}|1[3-9]\d{9})$"}
    filter_ops = COMMON_OPS + TEXT_OPS
    sample: Any = "13800138000"

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        return parse_phone(value)

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        """A full number is matched in its stored form; a fragment ('8000') is searched as typed."""
        try:
            return parse_phone(value)
        except FieldValueError:
            return _SEPARATORS.sub("", str(value))
