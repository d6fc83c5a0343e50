"""Celery tasks: outbound webhook delivery, kicked after a fan-out commits and run by beat every few seconds.

The task takes no arguments: the database says which messages are due, so a
lost or duplicated broker message changes nothing.
"""

from __future__ import annotations

from celery import shared_task
from django_celery_beat.models import IntervalSchedule

from apps.core.schedules import Periodic, register

DELIVER_OUTBOUND = "connectors.deliver_outbound"


@shared_task(name=DELIVER_OUTBOUND, ignore_result=True)
def deliver_outbound() -> int:
    from ..outbound.delivery import deliver_due

    return deliver_due()


register(Periodic("weft: deliver due outbound webhooks", DELIVER_OUTBOUND, 5, IntervalSchedule.SECONDS))
