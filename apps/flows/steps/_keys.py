"""Keys the steps store (ledger entries, run dedupe), kept within their columns' length."""

from __future__ import annotations

import hashlib


def short_key(key: str, limit: int = 200) -> str:
    """Keys (ledger, run dedupe) hold 200 characters: a deep path is hashed rather than cut, which could collide."""
    return key if len(key) <= limit else "sha256:" + hashlib.sha256(key.encode()).hexdigest()
