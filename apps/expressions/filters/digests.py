"""Digests for signing requests to channel APIs: MD5, SHA-256 and HMAC, as hex.

Taobao, JD and Pinduoduo sign each call with an MD5 of the sorted parameters
wrapped in the app secret; Douyin with an HMAC-SHA256. Inputs are text (UTF-8)
and bounded by the output limit like any other text an expression builds.
"""

from __future__ import annotations

import hashlib
import hmac as _hmac
from typing import Any

from ..errors import Abort
from ..i18n import gettext as _
from .registry import register, text_argument
from .strings import text

_ALGORITHMS = {"md5": hashlib.md5, "sha1": hashlib.sha1, "sha256": hashlib.sha256,
               "sha512": hashlib.sha512}


def _algorithm(name: Any) -> Any:
    found = _ALGORITHMS.get(text_argument(name, "algorithm"))
    if found is None:
        raise Abort(
            "type",
            _("unknown digest algorithm %(name)s; use one of: %(names)s")
            % {"name": repr(name)[:40], "names": ", ".join(_ALGORITHMS)},
        )
    return found


@register("md5")
def md5(value: Any) -> str:
    """Lower-case hex MD5 of the text (``| upper`` for APIs that want capitals)."""
    return hashlib.md5(text(value).encode(), usedforsecurity=False).hexdigest()


@register("sha256")
def sha256(value: Any) -> str:
    """Lower-case hex SHA-256 of the text."""
    return hashlib.sha256(text(value).encode()).hexdigest()


@register("hmac")
def hmac(value: Any, key: Any, algorithm: Any = "sha256") -> str:
    """``text|hmac(secret)``: lower-case hex HMAC (sha256 by default; md5, sha1, sha512)."""
    digest = _algorithm(algorithm)
    return _hmac.new(text_argument(key, "key").encode(), text(value).encode(), digest).hexdigest()
