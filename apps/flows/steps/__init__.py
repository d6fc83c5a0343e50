"""Step types: every module of this package registers one (or a few closely related) types.

``TransferContext`` (from forms) is what a step's ``export`` and ``import_`` need
to move it to another workspace.
"""

import pkgutil
from importlib import import_module

from .base import StepType, TransferContext, step_types

for _module in pkgutil.iter_modules(__path__):
    if _module.name != "base" and not _module.name.startswith("_"):
        import_module(f"{__name__}.{_module.name}")

__all__ = ["StepType", "TransferContext", "step_types"]
