"""``delay``: park the run for a while (release a reservation after 15 minutes, chase an unpaid order)."""

from __future__ import annotations

from datetime import date, datetime, time, timedelta
from decimal import Decimal, InvalidOperation
from typing import TYPE_CHECKING, Any

from django.utils import timezone
from django.utils.dateparse import parse_date, parse_datetime
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ..engine.signals import StepError
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker

AMOUNT = {"type": ["number", "string"]}
UNITS = {"seconds": 1, "minutes": 60, "hours": 3600, "days": 86400}
MAX_DELAY = timedelta(days=366)


def to_datetime(value: Any, ctx: StepContext, option: str) -> datetime:
    """An aware datetime from a datetime, a date (midnight in the workspace's zone) or ISO text."""
    if isinstance(value, str):
        value = parse_datetime(value.strip()) or parse_date(value.strip()) or value
    if isinstance(value, date) and not isinstance(value, datetime):
        value = datetime.combine(value, time.min)
    if not isinstance(value, datetime):
        raise StepError(_("%(where)s: '%(value)s' is not a date and time") % {
            "where": ctx.where(option), "value": value}, code="invalid_option")
    if timezone.is_naive(value):
        value = timezone.make_aware(value, ctx.state.base_scope()["now"].tzinfo)
    return value


@step_types.register
class Delay(StepType):
    """The wake time is fixed when the run first reaches the step; resuming never restarts the clock."""

    type = "delay"
    label = gettext_lazy("Delay")
    schema = {**{unit: AMOUNT for unit in UNITS}, "until": {"type": "string", "minLength": 1, "maxLength": 500}}
    waits = True

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        super().check(step, path, checker)
        if not any(name in step for name in (*UNITS, "until")):
            checker.error(path, _("give a duration (seconds, minutes, hours, days) or 'until'"))
        elif "until" in step and any(name in step for name in UNITS):
            checker.error(f"{path}.until", _("give either a duration or 'until', not both"))

    def execute(self, step: dict, ctx: StepContext) -> Any:
        return ctx.wait("delay", wake_at=self._wake_at(step, ctx))

    def _wake_at(self, step: dict, ctx: StepContext) -> datetime:
        now = timezone.now()
        if "until" in step:
            return min(to_datetime(ctx.option("until"), ctx, "until"), now + MAX_DELAY)
        seconds = Decimal(0)
        for unit, factor in UNITS.items():
            if unit in step:
                try:
                    seconds += Decimal(str(ctx.option(unit))) * factor
                except (InvalidOperation, ValueError):
                    raise StepError(_("%(where)s: must be a number") % {"where": ctx.where(unit)},
                                    code="invalid_option") from None
        if seconds < 0:
            raise StepError(_("%(where)s: cannot wait a negative time") % {"where": ctx.where()},
                            code="invalid_option")
        return now + min(timedelta(seconds=float(seconds)), MAX_DELAY)
