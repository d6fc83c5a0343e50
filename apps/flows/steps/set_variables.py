"""``set``: name values once (``vars.<name>``) instead of repeating an expression in every step."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from apps.forms.conversion import json_value

from ..models import Run
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext

NAME = r"^[A-Za-z_][A-Za-z0-9_]{0,63}$"


@step_types.register
class SetVariables(StepType):
    """Every value is evaluated against the variables as they were before the step.

    Definitions are stored as JSON objects whose key order the database may
    change (PostgreSQL's jsonb does), so values cannot depend on each other's
    order: to build on a value, set it in an earlier ``set`` step. The run's variables are saved in the step's own transaction: a run that
    crashes right after this step resumes with them, not with older ones.
    Values are stored as plain JSON (decimals as exact text).
    """

    type = "set"
    label = _("Set variables")
    schema = {"variables": {"type": "object", "propertyNames": {"pattern": NAME}, "minProperties": 1,
                            "maxProperties": 100}}
    required = ("variables",)

    def execute(self, step: dict, ctx: StepContext) -> Any:
        out = {name: json_value(ctx.eval(source, f"variables.{name}")) for name, source in step["variables"].items()}
        for name, value in out.items():
            ctx.set_variable(name, value)
        if ctx.run is not None and not ctx.state.in_transaction:
            Run.objects.filter(pk=ctx.run.pk).update(variables=ctx.state.variables)
        return out
