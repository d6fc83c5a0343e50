"""What an adapter document declares about an account's credentials and where they may be sent.

A credential is secret unless its document says ``"secret": false``: one the
document does not declare (a workspace's own document, a name added by hand)
is treated as secret, so a guess about a name can never show a token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import urlsplit

USED = re.compile(r"account\.credentials\.([A-Za-z_][A-Za-z0-9_]*)|account\.credentials\[['\"]([^'\"]+)['\"]\]")


def declared(doc: Mapping[str, Any]) -> dict[str, dict[str, Any]]:
    return dict(doc.get("credentials") or {})


def is_secret(doc: Mapping[str, Any], name: str) -> bool:
    spec = declared(doc).get(name)
    return True if spec is None else bool(spec.get("secret", True))


def used_names(value: Any) -> set[str]:
    """The credential names the document's expressions read."""
    if isinstance(value, str):
        return {a or b for a, b in USED.findall(value)}
    if isinstance(value, list):
        return set().union(*(used_names(v) for v in value))
    if isinstance(value, dict):
        return set().union(*(used_names(v) for v in value.values()))
    return set()


def host_allowed(doc: Mapping[str, Any], url: str) -> bool:
    """Whether ``url`` is on a host the document declares; true when it declares none."""
    hosts = doc.get("hosts")
    if not hosts:
        return True
    try:
        host = (urlsplit(url).hostname or "").lower().rstrip(".")
    except ValueError:
        return False
    for pattern in hosts:
        if pattern.startswith("*."):
            if host.endswith(pattern[1:]) and len(host) > len(pattern) - 1:
                return True
        elif host == pattern:
            return True
    return False
