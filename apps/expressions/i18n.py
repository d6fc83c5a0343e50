"""Translation helpers that also work before Django settings exist.

The expression engine is used from management commands, workers and plain
unit tests; messages must still be produced when Django is not configured, in
which case they stay in English.
"""

from __future__ import annotations

from django.core.exceptions import AppRegistryNotReady, ImproperlyConfigured
from django.utils.translation import gettext as _django_gettext


def gettext(message: str) -> str:
    """Translate ``message`` if Django's translation machinery is available."""
    try:
        return _django_gettext(message)
    except (ImproperlyConfigured, AppRegistryNotReady):
        return message


def gettext_noop(message: str) -> str:
    """Mark ``message`` for extraction; it is translated when displayed."""
    return message
