"""Verification modes of inbound endpoints, one module each (see ``base.py``)."""

from . import hmac_header, shopify, standard, token, url_token  # noqa: F401  registers the modes
from .base import VerificationFailed, VerificationMode, modes

__all__ = ["VerificationFailed", "VerificationMode", "modes"]
