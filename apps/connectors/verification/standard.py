"""``standard_webhooks``: ``webhook-id``, ``webhook-timestamp`` and ``webhook-signature`` (HMAC-SHA256).

A timestamp further than ``tolerance_seconds`` (default 5 minutes) from now,
in either direction, is refused: a captured delivery cannot be replayed later
even under a new id.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.core.signing import sign, signature_matches

from .base import VerificationFailed, VerificationMode, modes

TOLERANCE = 300


@modes.register
class StandardWebhooks(VerificationMode):
    type = "standard_webhooks"
    label = gettext_lazy("Standard Webhooks (webhook-id, webhook-timestamp, webhook-signature)")
    schema = {"tolerance_seconds": {"type": "integer", "minimum": 1, "maximum": 86400}}
    id_header = "webhook-id"

    def verify(self, options, secrets, headers: Mapping[str, str], body: bytes, now: float) -> str | None:
        message_id = headers.get("webhook-id", "").strip()
        stamp = headers.get("webhook-timestamp", "").strip()
        signature = headers.get("webhook-signature", "")
        if not message_id or not stamp or not signature:
            raise VerificationFailed("signature_missing", _(
                "The webhook-id, webhook-timestamp and webhook-signature headers are required."))
        try:
            timestamp = int(stamp)
        except ValueError:
            raise VerificationFailed("bad_timestamp", _("webhook-timestamp must be Unix seconds.")) from None
        tolerance = int(options.get("tolerance_seconds") or TOLERANCE)
        if abs(now - timestamp) > tolerance:
            raise VerificationFailed("stale_timestamp", _(
                "webhook-timestamp is more than %(n)d seconds away from the time here.") % {"n": tolerance})
        for secret in secrets:
            try:
                if signature_matches(secret, message_id, timestamp, body, signature):
                    return message_id[:200]
            except ValueError:
                continue
        raise VerificationFailed("bad_signature", _("webhook-signature does not match the body."))

    def sign(self, options, secret, body, *, delivery_id, timestamp) -> dict[str, str]:
        return {"webhook-id": delivery_id, "webhook-timestamp": str(timestamp),
                "webhook-signature": sign(secret, delivery_id, timestamp, body)}
