"""Receiving a webhook for a flow: authenticate, bound, parse, start a run.

A plain function so the view stays a one-liner and the rules are tested
without HTTP. Answers are ``(status, body)`` with the API's error shape
(``{"code", "errors"}``). A disabled flow answers 404 like an unknown token;
a paused one (the breaker) still accepts and queues the run, which starts
when the flow is resumed, so no delivery is lost. The body is read by the
strict reader of ``apps.core.strict_json`` under the inbound endpoints' rules
(JSON types only, nothing a database cannot store), so a run never starts
with input it cannot keep.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from apps.core.errors import NON_FIELD, join_path
from apps.core.strict_json import StrictJSONError, is_json_media_type, loads, safe_text

from ..engine.runner import start_run
from ..models import Flow, Run
from .webhook_trigger import WebhookTrigger

SECRET_HEADER = "X-Weft-Token"
MAX_BODY_BYTES = 1024 * 1024
KEPT_HEADERS = ("content-type", "user-agent")
MAX_HEADERS, MAX_HEADER_CHARS = 50, 1000


def max_body_bytes() -> int:
    return int(getattr(settings, "WEFT_WEBHOOK_MAX_BYTES", MAX_BODY_BYTES))


def _error(code: str, message: str, field: str = NON_FIELD) -> dict:
    return {"code": code, "errors": {field: [message]}}


def header(headers: Mapping, name: str) -> str | None:
    """A header's value, whatever the case of its name in ``headers``."""
    value = headers.get(name)
    if value is None:
        lowered = name.lower()
        value = next((v for k, v in headers.items() if str(k).lower() == lowered), None)
    return None if value is None else str(value)


def selected_headers(headers: Mapping) -> dict[str, str]:
    """What the run may see: content type, user agent and ``X-`` headers, never credentials."""
    kept: dict[str, str] = {}
    for key, value in headers.items():
        name = str(key).lower()
        if name == SECRET_HEADER.lower() or not (name in KEPT_HEADERS or name.startswith("x-")):
            continue
        if len(kept) >= MAX_HEADERS:
            break
        kept[safe_text(name)] = safe_text(str(value)[:MAX_HEADER_CHARS])
    return kept


def receive(token: str, body: bytes, headers: Mapping) -> tuple[int, dict[str, Any]]:
    """Start the flow whose webhook token is ``token`` with the JSON ``body``; answers 202 ``{"run": id}``."""
    flow = Flow.objects.filter(webhook_token=token, trigger_type=WebhookTrigger.type, enabled=True).first() \
        if token else None
    if flow is None:
        return 404, _error("flow_not_found", _("No flow listens at this address."))
    trigger = flow.definition.get("trigger") or {}
    secret = trigger.get("secret")
    if secret:
        given = header(headers, SECRET_HEADER) or ""
        if not hmac.compare_digest(given.encode(), str(secret).encode()):
            return 401, _error("bad_webhook_token", _("The %(header)s header is missing or wrong.")
                               % {"header": SECRET_HEADER})
    if len(body) > max_body_bytes():
        return 413, _error("body_too_large", _("The body is larger than %(n)d bytes.") % {"n": max_body_bytes()},
                           "body")
    content_type = str(header(headers, "Content-Type") or "")
    if not is_json_media_type(content_type):
        return 415, _error("unsupported_media_type", _("The body must be JSON; '%(type)s' is not accepted.")
                           % {"type": safe_text(content_type[:100])}, "content-type")
    try:
        payload = loads(body) if body.strip() else {}
    except StrictJSONError as exc:  # the strict reader: nothing PostgreSQL cannot store reaches the run
        return 400, _error(exc.code, exc.reason, join_path("body", exc.path))
    meta = {"type": WebhookTrigger.type, "headers": selected_headers(headers)}
    dedupe_key = _dedupe_key(trigger, headers)
    run = start_run(flow, trigger=meta, input_={"trigger": meta, "body": payload}, dedupe_key=dedupe_key)
    if run is None:
        existing = Run.objects.filter(flow=flow, dedupe_key=dedupe_key).values_list("pk", flat=True).first()
        return 200, {"run": existing, "duplicate": True}
    return 202, {"run": run.pk}


def _dedupe_key(trigger: dict, headers: Mapping) -> str | None:
    name = trigger.get("dedupe_header")
    value = header(headers, name) if name else None
    if not value:
        return None
    if len(value) > 150:
        value = "sha256:" + hashlib.sha256(value.encode()).hexdigest()
    return f"webhook:{value}"
