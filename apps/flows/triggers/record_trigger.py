"""``record``: start a run when a record of a form is created, updated or deleted (or a counter moves).

Runs are started by ``dispatch.py`` from the outbox, after the change
committed; this module says which changes a flow wants.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.utils.translation import gettext_lazy as _

from . import conditions
from .base import TriggerType, trigger_types

if TYPE_CHECKING:
    from apps.forms.changes import Change

    from ..validation import FlowChecker

EVENTS = ("created", "updated", "deleted", "counter")
DEFAULT_ON = ("created", "updated", "deleted")


@trigger_types.register
class RecordTrigger(TriggerType):
    """``on`` defaults to every record change; counter moves start runs only when ``on`` names ``counter``.

    ``fields`` narrows updates (and counter moves) to those that touch one of
    the listed fields; a table field counts when a line was added, changed or
    removed. ``condition`` sees ``record``, ``previous``, ``changed``,
    ``line_changes`` and, for counters, ``counter``.
    """

    type = "record"
    label = _("Record created, updated or deleted")
    schema = {
        "form": {"type": "string", "minLength": 1, "maxLength": 64},
        "on": {"type": "array", "items": {"enum": list(EVENTS)}, "minItems": 1, "uniqueItems": True},
        "fields": {"type": "array", "items": {"type": "string", "minLength": 1, "maxLength": 64},
                   "uniqueItems": True, "maxItems": 200},
        "condition": {"type": "string", "maxLength": 4000},
    }
    required = ("form",)

    def check(self, trigger: dict, path: str, checker: FlowChecker) -> None:
        form = checker.form(trigger.get("form"), f"{path}.form")
        for index, key in enumerate(trigger.get("fields") or []):
            checker.field(form, key, f"{path}.fields[{index}]")
        conditions.check(trigger, path, checker)

    @staticmethod
    def wants(trigger: dict, change: Change) -> bool:
        """Whether the event kind and changed fields match (the condition is evaluated separately)."""
        if change.event not in (trigger.get("on") or DEFAULT_ON):
            return False
        fields = trigger.get("fields")
        if fields and change.event in ("updated", "counter"):
            return any(key in change.changed for key in fields)
        return True
