"""Filters available to expressions, by name (see each module for the why)."""

from . import builtins, data, dates, lists, money, sequences, strings  # noqa: F401  registers
from .lists import BLOCKED_FILTERS
from .registry import FILTERS, register

__all__ = ["BLOCKED_FILTERS", "FILTERS", "register"]
