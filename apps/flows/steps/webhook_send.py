"""``webhook.send``: deliver an event to a subscriber, signed the Standard Webhooks way.

Headers ``webhook-id`` (stable across retries, so the receiver can drop
duplicates), ``webhook-timestamp`` and ``webhook-signature`` (``v1,`` + base64
HMAC-SHA256 of ``id.timestamp.body``). A ``whsec_`` secret is base64 after its
prefix, as the specification's libraries expect. Redirects are not followed:
the signed event goes to the URL the subscriber gave, or the step fails.
"""

from __future__ import annotations

import json
import time
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.translation import gettext_lazy

from apps.core.signing import sign
from apps.forms.conversion import json_value
from apps.vault.selectors import reference_schema

from ..engine.signals import StepError
from .base import StepType, step_types
from .http_request import (
    HEADERS,
    STATUSES,
    TIMEOUT,
    check_references,
    decode,
    secret_value,
    send,
    text_headers,
)

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker


@step_types.register
class WebhookSend(StepType):
    type = "webhook.send"
    label = gettext_lazy("Send webhook")
    schema = {
        "url": {"type": "string", "minLength": 1, "maxLength": 2000},
        "event": {"type": "string", "minLength": 1, "maxLength": 200},
        "payload": {},
        "secret": {"anyOf": [{"type": "string", "minLength": 1, "maxLength": 500}, reference_schema()]},
        "headers": HEADERS,
        "timeout": TIMEOUT,
        "retry_on": STATUSES,
    }
    required = ("url", "event", "secret")
    transactional = False

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        super().check(step, path, checker)
        check_references(step, path, checker, ("headers", "secret"))

    def execute(self, step: dict, ctx: StepContext) -> Any:
        message_id = ctx.idempotency_key()
        event = str(ctx.option("event"))
        body = json.dumps({"type": event, "timestamp": timezone.now().isoformat(),
                           "data": json_value(ctx.option("payload"))}, ensure_ascii=False).encode()
        timestamp = int(time.time())
        try:
            signature = sign(str(secret_value(ctx, ctx.option("secret"), "secret")), message_id, timestamp, body)
        except ValueError as exc:
            raise StepError(f"{ctx.where('secret')}: {exc}", code="invalid_option") from None
        headers = {**text_headers(ctx, "headers"), "Content-Type": "application/json", "User-Agent": "Weft",
                   "webhook-id": message_id, "webhook-timestamp": str(timestamp), "webhook-signature": signature}
        response = send(ctx, "POST", str(ctx.option("url")), headers=headers, body=body,
                        timeout=ctx.option("timeout"), expect=None, retry_on=step.get("retry_on") or [],
                        follow_redirects=False)
        return {"id": message_id, "event": event, "status": response.status, "body": decode(response)}
