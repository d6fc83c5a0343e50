"""``webhook``: start a run when a JSON body is POSTed to the flow's unguessable URL.

The URL token is the credential (``/api/v1/hooks/flows/<token>/``); ``secret``
adds a shared token the sender puts in ``X-Weft-Token``, and
``dedupe_header`` names a header whose value identifies a delivery, so a
sender's retry starts no second run. The flow says what the intake must
check (``intake``); the inbound endpoint bound to the flow receives, stores
and processes the deliveries (answered 202 once stored).
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from ..models import Flow
from .base import TriggerType, trigger_types
from .webhook import SECRET_HEADER, max_body_bytes

if TYPE_CHECKING:
    from ..validation import FlowChecker

HEADER_NAME = r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"


def new_token() -> str:
    return secrets.token_urlsafe(32)


@trigger_types.register
class WebhookTrigger(TriggerType):
    type = "webhook"
    label = _("Webhook received")
    schema = {
        "secret": {"type": "string", "minLength": 8, "maxLength": 200},
        "dedupe_header": {"type": "string", "pattern": HEADER_NAME},
    }

    def check(self, trigger: dict, path: str, checker: FlowChecker) -> None:
        """Nothing here is an expression: a secret may contain ``{{`` and must be taken literally."""

    def installed(self, flow: Flow) -> None:
        """Give the flow its token once; it stays the same across edits, disabling and re-enabling."""
        if flow.webhook_token:
            return
        flow.webhook_token = new_token()
        Flow.objects.filter(pk=flow.pk).update(webhook_token=flow.webhook_token)

    def intake(self, flow: Flow) -> dict[str, Any]:
        """What the endpoint receiving this flow's webhooks checks, read from the flow's definition.

        ``token`` names the endpoint (it is the URL's credential), ``secret``
        (may be empty: then the URL alone is enough) is expected as is in
        ``secret_header``, and ``id_header`` names the header that identifies
        a delivery (without one, each request is a new delivery).
        """
        trigger = flow.definition.get("trigger") or {}
        return {"token": flow.webhook_token, "secret": trigger.get("secret") or "", "secret_header": SECRET_HEADER,
                "id_header": trigger.get("dedupe_header") or None, "max_body_bytes": max_body_bytes()}
