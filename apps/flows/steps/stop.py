"""``stop``: end the run successfully here (nothing left to do for this order), with an optional output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from apps.forms.conversion import json_value

from ..engine.signals import StopSignal
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext


@step_types.register
class Stop(StepType):
    type = "stop"
    label = _("Stop")
    schema = {"output": {}}

    def execute(self, step: dict, ctx: StepContext) -> Any:
        raise StopSignal(json_value(ctx.option("output")) if "output" in step else None)
