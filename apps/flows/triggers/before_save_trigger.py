"""``before_save``: a flow that runs inside the record's own transaction, before the record is written.

It can change the data (``vars.fields``) or refuse the change (a ``fail``
step), and whatever its steps write commits or rolls back with the record.
See ``before_save.py``.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from . import conditions
from .base import TriggerType, trigger_types

if TYPE_CHECKING:
    from ..validation import FlowChecker

EVENTS = ("create", "update")


@trigger_types.register
class BeforeSaveTrigger(TriggerType):
    type = "before_save"
    label = _("Before a record is saved")
    schema = {
        "form": {"type": "string", "minLength": 1, "maxLength": 64},
        "on": {"type": "array", "items": {"enum": list(EVENTS)}, "minItems": 1, "uniqueItems": True},
        "condition": {"type": "string", "maxLength": 4000},
    }
    required = ("form",)
    in_transaction = True

    def check(self, trigger: dict, path: str, checker: FlowChecker) -> None:
        checker.form(trigger.get("form"), f"{path}.form")
        conditions.check(trigger, path, checker)
