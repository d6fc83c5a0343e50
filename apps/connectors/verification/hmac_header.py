"""``hmac``: an HMAC of the raw body in a header of the sender's choosing.

Covers WooCommerce (``X-WC-Webhook-Signature``, base64 SHA-256), GitHub-style
``sha256=<hex>`` and channel gateways that sign with SHA-1 or upper-case hex.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import ID_HEADER, VerificationFailed, VerificationMode, modes

ALGORITHMS = {"sha256": hashlib.sha256, "sha1": hashlib.sha1, "sha512": hashlib.sha512, "md5": hashlib.md5}
ENCODINGS = ("hex", "base64")


def digest(options: dict, secret: str, body: bytes) -> str:
    raw = hmac.new(secret.encode(), body, ALGORITHMS[options.get("algorithm") or "sha256"]).digest()
    text = base64.b64encode(raw).decode() if options.get("encoding") == "base64" else raw.hex()
    return (options.get("prefix") or "") + text


@modes.register
class HmacHeader(VerificationMode):
    type = "hmac"
    label = gettext_lazy("HMAC of the body in a header")
    schema = {
        "header": ID_HEADER,
        "algorithm": {"enum": sorted(ALGORITHMS)},
        "encoding": {"enum": list(ENCODINGS)},
        "prefix": {"type": "string", "maxLength": 20},
        "id_header": ID_HEADER,
    }
    required = ("header",)

    def verify(self, options, secrets, headers: Mapping[str, str], body: bytes, now: float) -> str | None:
        name = options["header"]
        given = headers.get(name.lower(), "").strip()
        if not given:
            raise VerificationFailed("signature_missing", _("The %(header)s header is required.") % {"header": name})
        hexadecimal = options.get("encoding") != "base64"
        if hexadecimal:
            given = given.lower()
        matched = False
        for secret in secrets:
            expected = digest(options, secret, body)
            matched |= hmac.compare_digest(given.encode(), expected.lower().encode() if hexadecimal
                                           else expected.encode())
        if not matched:
            raise VerificationFailed("bad_signature", _("%(header)s does not match the body.") % {"header": name})
        return self.delivery_id(options, headers)

    def sign(self, options, secret, body, *, delivery_id, timestamp) -> dict[str, str]:
        headers = {options["header"]: digest(options, secret, body)}
        if options.get("id_header"):
            headers[options["id_header"]] = delivery_id
        return headers
