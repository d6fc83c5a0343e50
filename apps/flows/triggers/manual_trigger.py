"""``manual``: a person starts the flow, from the flow list or, with ``form``, from a button on a record.

``label`` names the button and ``confirm`` is the question asked before the
flow runs (both plain text or ``{"en": ..., "zh-hans": ...}``). See ``manual.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from .base import TriggerType, trigger_types

if TYPE_CHECKING:
    from ..validation import FlowChecker


@trigger_types.register
class ManualTrigger(TriggerType):
    type = "manual"
    label = _("Started by hand")
    schema = {
        "form": {"type": "string", "minLength": 1, "maxLength": 64},
        "label": {"$ref": "#/$defs/label"},
        "confirm": {"$ref": "#/$defs/label"},
    }

    def check(self, trigger: dict, path: str, checker: FlowChecker) -> None:
        """Labels are shown, never evaluated; only the form reference needs checking."""
        if "form" in trigger:
            checker.form(trigger["form"], f"{path}.form")
