"""``token``: a shared secret sent as is in a header, for senders that cannot sign (prefer a signature)."""

from __future__ import annotations

import hmac
from collections.abc import Mapping

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from .base import ID_HEADER, VerificationFailed, VerificationMode, modes

HEADER = "X-Weft-Token"


def matches(given: str, secrets: list[str]) -> bool:
    """Whether ``given`` is one of ``secrets``, compared with each in constant time."""
    matched = False
    for secret in secrets:
        matched |= hmac.compare_digest(given.encode(), secret.encode())
    return matched


@modes.register
class SharedToken(VerificationMode):
    type = "token"
    label = gettext_lazy("Shared token in a header")
    schema = {"header": ID_HEADER, "id_header": ID_HEADER}

    def verify(self, options, secrets, headers: Mapping[str, str], body: bytes, now: float) -> str | None:
        name = options.get("header") or HEADER
        given = headers.get(name.lower(), "")
        if not given:
            raise VerificationFailed("token_missing", _("The %(header)s header is required.") % {"header": name})
        if not matches(given, secrets):
            raise VerificationFailed("bad_token", _("%(header)s is wrong.") % {"header": name})
        return self.delivery_id(options, headers)

    def credential_header(self, options: dict) -> str | None:
        return (options.get("header") or HEADER).lower()

    def sign(self, options, secret, body, *, delivery_id, timestamp) -> dict[str, str]:
        headers = {options.get("header") or HEADER: secret}
        if options.get("id_header"):
            headers[options["id_header"]] = delivery_id
        return headers
