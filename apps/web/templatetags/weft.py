"""Template filters of the pages."""

from __future__ import annotations

from typing import Any

from django import template
from django.utils.translation import get_language

from apps.forms.services.forms import label_text

register = template.Library()


@register.filter
def label(form: Any) -> str:
    """A form's name in the page's language: definitions name forms per language, the row keeps one."""
    name = (getattr(form, "definition", None) or {}).get("name") or getattr(form, "name", "")
    return label_text(name, (get_language() or "en").lower())
