"""``webhook``: start a run when a JSON body is POSTed to the flow's unguessable URL.

The URL token is the credential (``/api/v1/hooks/flows/<token>/``); ``secret``
adds a shared token the sender puts in ``X-Weft-Token``, and
``dedupe_header`` names a header whose value identifies a delivery, so a
sender's retry starts no second run. See ``webhook.py``.
"""

from __future__ import annotations

import secrets
from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from ..models import Flow
from .base import TriggerType, trigger_types

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
