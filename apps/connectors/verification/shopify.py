"""``shopify``: ``X-Shopify-Hmac-Sha256``, the base64 HMAC-SHA256 of the raw body with the app's secret.

Shopify names each delivery in ``X-Shopify-Webhook-Id``; its retries repeat it.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import VerificationFailed, VerificationMode, modes

HEADER = "x-shopify-hmac-sha256"


def digest(secret: str, body: bytes) -> str:
    return base64.b64encode(hmac.new(secret.encode(), body, hashlib.sha256).digest()).decode()


@modes.register
class Shopify(VerificationMode):
    type = "shopify"
    label = gettext_lazy("Shopify (X-Shopify-Hmac-Sha256)")
    id_header = "x-shopify-webhook-id"

    def verify(self, options, secrets, headers: Mapping[str, str], body: bytes, now: float) -> str | None:
        given = headers.get(HEADER, "").strip()
        if not given:
            raise VerificationFailed("signature_missing", _("The X-Shopify-Hmac-Sha256 header is required."))
        matched = False
        for secret in secrets:
            matched |= hmac.compare_digest(given.encode(), digest(secret, body).encode())
        if not matched:
            raise VerificationFailed("bad_signature", _("X-Shopify-Hmac-Sha256 does not match the body."))
        return self.delivery_id(options, headers)

    def sign(self, options, secret, body, *, delivery_id, timestamp) -> dict[str, str]:
        return {"X-Shopify-Hmac-Sha256": digest(secret, body), "X-Shopify-Webhook-Id": delivery_id}
