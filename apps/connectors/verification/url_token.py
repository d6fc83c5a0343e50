"""``url_token``: the URL's unguessable token is the credential, plus a shared token in a header if set.

What a flow's webhook trigger promises its senders: a URL is enough, and a
trigger with a ``secret`` also wants it as is in ``X-Weft-Token`` (or
``header``). ``id_header`` names the header that identifies a delivery, so
that a retry is acknowledged as a duplicate; without it (or when a request
leaves it out) every request is a new delivery, even with the same body.
"""

from __future__ import annotations

import hashlib
import secrets as random
from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import VerificationFailed, modes
from .token import HEADER, SharedToken, matches

MAX_ID_CHARS = 200


@modes.register
class UrlToken(SharedToken):
    """``token``'s header and options, but the header is wanted only when the endpoint has a secret."""

    type = "url_token"
    label = gettext_lazy("The URL's token, and a shared token in a header if the endpoint has a secret")

    def verify(self, options, secrets, headers: Mapping[str, str], body: bytes, now: float) -> str | None:
        if secrets:
            name = options.get("header") or HEADER
            if not matches(headers.get(name.lower(), ""), secrets):
                raise VerificationFailed("bad_webhook_token", _("The %(header)s header is missing or wrong.")
                                         % {"header": name})
        return self.delivery_id(options, headers) or "once:" + random.token_hex(16)

    def delivery_id(self, options: dict, headers: Mapping[str, str]) -> str | None:
        """The id header's value as sent; a long one by its hash, so that two long ids never collide."""
        name = options.get("id_header")
        value = headers.get(name.lower()) if name else None
        if not value:
            return None
        return value if len(value) <= MAX_ID_CHARS else "sha256:" + hashlib.sha256(value.encode()).hexdigest()

    def sign(self, options, secret, body, *, delivery_id, timestamp) -> dict[str, str]:
        headers = {options.get("header") or HEADER: secret} if secret else {}
        if options.get("id_header"):
            headers[options["id_header"]] = delivery_id
        return headers
