"""Standard Webhooks signatures (https://www.standardwebhooks.com), shared by every sender and receiver.

``webhook-signature`` is ``v1,`` + base64 HMAC-SHA256 of ``id.timestamp.body``;
several space-separated signatures may be sent (during a secret rotation).
A ``whsec_`` secret is base64 after its prefix, as the specification's
libraries expect; any other secret is used as its UTF-8 bytes.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import secrets

from django.utils.translation import gettext as _

PREFIX = "whsec_"


def secret_bytes(secret: str) -> bytes:
    if secret.startswith(PREFIX):
        try:
            return base64.b64decode(secret[len(PREFIX):], validate=True)
        except (binascii.Error, ValueError):
            raise ValueError(_("a whsec_ secret must be base64 after its prefix")) from None
    return secret.encode()


def new_secret() -> str:
    return PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


def sign(secret: str, message_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{message_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def signature_matches(secret: str, message_id: str, timestamp: int, body: bytes, header: str) -> bool:
    """Whether any ``v1`` signature in ``header`` is ``secret``'s, compared in constant time."""
    expected = sign(secret, message_id, timestamp, body).encode()
    found = False
    for candidate in header.split():
        found |= hmac.compare_digest(candidate.encode(), expected)
    return found
