"""The ``timeout_seconds`` option shared by steps that wait for people or events."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from django.utils import timezone
from django.utils.translation import gettext as _

from ..engine.signals import StepError

if TYPE_CHECKING:
    from ..engine.context import StepContext

MAX_TIMEOUT = 366 * 86400
TIMEOUT_OPTION = {"type": ["integer", "string"], "minimum": 1, "maximum": MAX_TIMEOUT}


def deadline(ctx: StepContext) -> datetime | None:
    """When the wait gives up, from the evaluated option (capped at a year); None waits forever."""
    seconds = ctx.option("timeout_seconds")
    if seconds in (None, ""):
        return None
    try:
        return timezone.now() + timedelta(seconds=min(int(seconds), MAX_TIMEOUT))
    except (TypeError, ValueError):
        raise StepError(_("%(where)s: must be a whole number of seconds") % {
            "where": ctx.where("timeout_seconds")}, code="invalid_option") from None
