from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .base import field_types
from .text import TextField


@field_types.register
class TextareaField(TextField):
    """Notes, addresses, remarks: line breaks kept (as \\n), outer blank space dropped."""

    type = "textarea"
    label = _("Multi-line text")
    default_max_length = 20000
    multiline = True
    sample: Any = "Leave at the front desk.\nCall before delivery."
