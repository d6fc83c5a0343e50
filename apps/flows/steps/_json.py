"""Step outputs are stored in JSON columns and read back by later steps: keep them plain data."""

from __future__ import annotations

import hashlib
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any


def plain(value: Any) -> Any:
    """``value`` as JSON data: Decimals become exact strings (never floats), dates ISO text."""
    if value is None or isinstance(value, bool | int | str):
        return value
    if isinstance(value, Decimal):
        return format(value, "f") if value.is_finite() else str(value)
    if isinstance(value, float):
        return format(Decimal(str(value)), "f")
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, dict):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple | set | frozenset):
        return [plain(v) for v in value]
    return str(value)


def short_key(key: str, limit: int = 200) -> str:
    """Keys (ledger, run dedupe) hold 200 characters: a deep path is hashed rather than cut, which could collide."""
    return key if len(key) <= limit else "sha256:" + hashlib.sha256(key.encode()).hexdigest()
