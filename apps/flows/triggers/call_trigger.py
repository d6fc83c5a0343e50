"""``call``: a flow meant to be started by another flow's ``call_flow`` step, like a function.

``inputs`` documents (and lets the builder check) the names the caller passes;
the called run sees them under ``input``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from .base import TriggerType, trigger_types

if TYPE_CHECKING:
    from ..validation import FlowChecker

NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"


@trigger_types.register
class CallTrigger(TriggerType):
    type = "call"
    label = _("Called by another flow")
    schema = {"inputs": {"type": "array", "items": {"type": "string", "pattern": NAME}, "uniqueItems": True,
                         "maxItems": 100}}

    def check(self, trigger: dict, path: str, checker: FlowChecker) -> None:
        """Input names are identifiers, fully covered by the schema."""
