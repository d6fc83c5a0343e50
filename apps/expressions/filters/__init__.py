"""Filters available to expressions, by name (see each module for the why)."""

from . import (  # noqa: F401  registers
    builtins,
    data,
    dates,
    digests,
    encodings,
    lists,
    money,
    sequences,
    strings,
    units,
    zones,
)
from .lists import BLOCKED_FILTERS
from .registry import FILTERS, register

__all__ = ["BLOCKED_FILTERS", "FILTERS", "register"]
