"""Trigger types: every ``*_trigger`` module of this package registers one."""

import pkgutil
from importlib import import_module

from .base import TriggerType, trigger_types

for _module in pkgutil.iter_modules(__path__):
    if _module.name.endswith("_trigger"):
        import_module(f"{__name__}.{_module.name}")

__all__ = ["TriggerType", "trigger_types"]
