"""The contract of a verification mode: check a delivery's signature and give its id; sign one for senders.

``headers`` are lower-cased names. ``secrets`` are the endpoint's current
secret and, during a rotation's overlap window, the previous one: a delivery
signed with either is accepted.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from typing import Any

from apps.core.registry import Registry, RegistryType

ID_HEADER = {"type": "string", "pattern": r"^[A-Za-z0-9][A-Za-z0-9-]{0,63}$"}


class VerificationFailed(Exception):
    """The delivery is refused: ``code`` for machines, the message for the sender, ``status`` the HTTP answer."""

    def __init__(self, code: str, message: str, status: int = 401):
        super().__init__(message)
        self.code = code
        self.status = status


class VerificationMode(RegistryType):
    label: Any = ""
    schema: dict[str, Any] = {}
    required: tuple[str, ...] = ()
    id_header: str | None = None

    def verify(self, options: dict, secrets: list[str], headers: Mapping[str, str], body: bytes,
               now: float) -> str | None:
        """The sender's delivery id, if it gives one; raises VerificationFailed."""
        raise NotImplementedError

    def sign(self, options: dict, secret: str, body: bytes, *, delivery_id: str, timestamp: int) -> dict[str, str]:
        """The headers a sender adds so that ``verify`` accepts ``body``."""
        raise NotImplementedError

    def credential_header(self, options: dict) -> str | None:
        """The lower-case name of a header that carries the secret as is: never kept with the delivery."""
        return None

    def delivery_id(self, options: dict, headers: Mapping[str, str]) -> str | None:
        name = options.get("id_header") or self.id_header
        value = headers.get(name.lower()) if name else None
        return value.strip()[:200] or None if value else None


modes: Registry[VerificationMode] = Registry("verification mode")


def body_id(body: bytes) -> str:
    """The id of a delivery that carries none: the same body is the same delivery."""
    return "sha256:" + hashlib.sha256(body).hexdigest()
