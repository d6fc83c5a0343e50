"""What a flow's webhook trigger asks of the intake that receives it, and what its runs may see.

The deliveries themselves are received, verified and stored by the inbound
endpoint that the connectors app keeps for each webhook-triggered flow (the
flow's token names it), and processed into runs like any endpoint's: a run
sees the body and ``selected_headers``, never a credential.
"""

from __future__ import annotations

from collections.abc import Mapping

from django.conf import settings

from apps.core.strict_json import safe_text

SECRET_HEADER = "X-Weft-Token"
MAX_BODY_BYTES = 1024 * 1024
KEPT_HEADERS = ("content-type", "user-agent")
MAX_HEADERS, MAX_HEADER_CHARS = 50, 1000


def max_body_bytes() -> int:
    return int(getattr(settings, "WEFT_WEBHOOK_MAX_BYTES", MAX_BODY_BYTES))


def selected_headers(headers: Mapping) -> dict[str, str]:
    """What the run may see: content type, user agent and ``X-`` headers, never credentials."""
    kept: dict[str, str] = {}
    for key, value in headers.items():
        name = str(key).lower()
        if name == SECRET_HEADER.lower() or not (name in KEPT_HEADERS or name.startswith("x-")):
            continue
        if len(kept) >= MAX_HEADERS:
            break
        kept[safe_text(name)] = safe_text(str(value)[:MAX_HEADER_CHARS])
    return kept
