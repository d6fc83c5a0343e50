"""Checking a subscription as the API receives it; every problem is reported at once, by path.

``clean()`` returns the values to save (forms as Form rows of the caller's
workspace: a key of another workspace's form is simply unknown here).
"""

from __future__ import annotations

import re
from typing import Any

from django.utils.translation import gettext as _

from apps.core import http
from apps.core.errors import ErrorCollector, ValidationFailed
from apps.forms.models import Form
from apps.vault import selectors as vault_selectors

from .events import EVENT_TYPES
from .sender import RESERVED_HEADERS

KEY = re.compile(r"^[-a-zA-Z0-9_]{1,80}$")
HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")
MAX_HEADERS = 20
MAX_THRESHOLD = 1000
EDITABLE = ("name", "url", "events", "forms", "headers", "failure_threshold")
READ_ONLY = ("id", "secret", "enabled", "consecutive_failures", "disabled_at", "disabled_reason", "created_by",
             "created_at", "updated_at")
DEFAULT_THRESHOLD = 20


def clean(workspace, data: Any, *, key: str | None = None) -> dict:
    """The fields of a subscription to create (``key`` None) or to replace (the key of the one edited)."""
    if not isinstance(data, dict):
        raise ValidationFailed({"body": [_("must be a JSON object")]})
    errors = ErrorCollector()
    known = {"key", *EDITABLE, *READ_ONLY}
    for name in data:
        if name not in known:
            errors.add(str(name), _("unknown field"))
    out: dict[str, Any] = {}
    if key is None:
        out["key"] = _key(data.get("key"), errors)
        out["enabled"] = data.get("enabled", True)
        if not isinstance(out["enabled"], bool):
            errors.add("enabled", _("must be true or false"))
    elif "key" in data and data["key"] != key:
        errors.add("key", _("cannot be changed"))
    out["name"] = _name(data.get("name"), out.get("key") or key, errors)
    out["url"] = _url(data.get("url"), errors)
    out["events"] = _events(data.get("events"), errors)
    out["forms"] = _forms(workspace, data.get("forms", []), errors)
    out["headers"] = _headers(workspace, data.get("headers", {}), errors)
    out["failure_threshold"] = _threshold(data.get("failure_threshold", DEFAULT_THRESHOLD), errors)
    errors.raise_if_any()
    return out


def _key(value: Any, errors: ErrorCollector) -> str:
    if not isinstance(value, str) or not KEY.match(value):
        errors.add("key", _("is required: up to 80 letters, digits, '-' or '_'"))
        return ""
    return value


def _name(value: Any, fallback: str, errors: ErrorCollector) -> str:
    if value is None or value == "":
        return fallback
    if not isinstance(value, str) or len(value) > 200:
        errors.add("name", _("must be a text of at most 200 characters"))
        return ""
    return value.strip() or fallback


def _url(value: Any, errors: ErrorCollector) -> str:
    if not isinstance(value, str) or not value.strip():
        errors.add("url", _("is required"))
        return ""
    value = value.strip()
    if len(value) > 2000:
        errors.add("url", _("must be at most 2000 characters"))
        return value
    try:
        http.check_url(value)
    except http.BadUrl as exc:
        errors.add("url", str(exc))
    return value


def _events(value: Any, errors: ErrorCollector) -> list[str]:
    if not isinstance(value, list) or not value:
        errors.add("events", _("choose at least one event type: %(types)s") % {"types": ", ".join(EVENT_TYPES)})
        return []
    seen: list[str] = []
    for index, item in enumerate(value):
        path = f"events[{index}]"
        if not isinstance(item, str) or item not in EVENT_TYPES:
            errors.add(path, _("unknown event type; one of: %(types)s") % {"types": ", ".join(EVENT_TYPES)})
        elif item in seen:
            errors.add(path, _("is listed twice"))
        else:
            seen.append(item)
    return seen


def _forms(workspace, value: Any, errors: ErrorCollector) -> list[Form]:
    if value is None:
        return []
    if not isinstance(value, list):
        errors.add("forms", _("must be a list of form keys"))
        return []
    keys = [item for item in value if isinstance(item, str)]
    found = {f.key: f for f in Form.objects.filter(workspace=workspace, key__in=keys)}
    out: list[Form] = []
    for index, item in enumerate(value):
        path = f"forms[{index}]"
        if not isinstance(item, str):
            errors.add(path, _("must be a form key"))
        elif item not in found:
            errors.add(path, _("no form with key '%(key)s' in this workspace") % {"key": item[:80]})
        elif found[item] in out:
            errors.add(path, _("is listed twice"))
        else:
            out.append(found[item])
    return out


def _headers(workspace, value: Any, errors: ErrorCollector) -> dict[str, Any]:
    """Header values are text, or ``{"secret": name}`` resolved when a message is sent."""
    if value is None:
        return {}
    if not isinstance(value, dict):
        errors.add("headers", _("must be an object of header names and values"))
        return {}
    if len(value) > MAX_HEADERS:
        errors.add("headers", _("at most %(n)d headers") % {"n": MAX_HEADERS})
    out: dict[str, Any] = {}
    for name, text in value.items():
        path = f"headers.{name}"
        if not HEADER_NAME.match(name):
            errors.add(path, _("is not a valid header name"))
        elif name.lower() in RESERVED_HEADERS:
            errors.add(path, _("is set by Weft and cannot be replaced"))
        elif vault_selectors.is_reference(text):
            if not vault_selectors.exists(workspace, vault_selectors.reference_name(text)):
                errors.add(path, _("no secret '%(name)s' in this workspace") % {
                    "name": vault_selectors.reference_name(text)})
            out[name] = text
        elif not isinstance(text, str) or len(text) > 1000 or "\r" in text or "\n" in text:
            errors.add(path, _("must be a text of at most 1000 characters on one line"))
        else:
            out[name] = text
    return out


def _threshold(value: Any, errors: ErrorCollector) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_THRESHOLD:
        errors.add("failure_threshold", _("must be a whole number from 1 to %(n)d") % {"n": MAX_THRESHOLD})
        return DEFAULT_THRESHOLD
    return value
