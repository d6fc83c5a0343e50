"""Encryption at rest: Fernet tokens under the keys of ``WEFT_SECRETS_KEY``.

The setting holds one or more keys, newest first (comma-separated in the
environment): new values are encrypted with the first, and every key still
decrypts, so a key can be rotated without re-entering the secrets
(``reencrypt`` moves them all to the newest key). Without the setting the
key is derived from ``SECRET_KEY`` with HKDF, so a laptop needs no setup.
"""

from __future__ import annotations

import base64
from functools import cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings

from .errors import SecretUnreadable

HKDF_INFO = b"weft secrets at rest"


def derived_key(secret_key: str) -> bytes:
    """A Fernet key from Django's ``SECRET_KEY``, different from any other use of that key."""
    raw = HKDF(algorithm=hashes.SHA256(), length=32, salt=b"weft.vault", info=HKDF_INFO).derive(
        secret_key.encode())
    return base64.urlsafe_b64encode(raw)


def configured_keys() -> list[bytes]:
    keys = [k.strip().encode() for k in getattr(settings, "WEFT_SECRETS_KEY", []) if k and k.strip()]
    return keys or [derived_key(settings.SECRET_KEY)]


@cache
def _fernet(keys: tuple[bytes, ...]) -> MultiFernet:
    return MultiFernet([Fernet(key) for key in keys])


def fernet() -> MultiFernet:
    return _fernet(tuple(configured_keys()))


def encrypt(value: str) -> str:
    return fernet().encrypt(value.encode("utf-8")).decode("ascii")


def decrypt(ciphertext: str) -> str:
    try:
        return fernet().decrypt(ciphertext.encode("ascii")).decode("utf-8")
    except (InvalidToken, ValueError):
        raise SecretUnreadable() from None


def reencrypt(ciphertext: str) -> str:
    """The same value under the newest key."""
    try:
        return fernet().rotate(ciphertext.encode("ascii")).decode("ascii")
    except (InvalidToken, ValueError):
        raise SecretUnreadable() from None
