"""Celery tasks: scheduled order pulls and coalesced stock pushes."""

from __future__ import annotations

from celery import shared_task
from django_celery_beat.models import IntervalSchedule

from apps.core.schedules import Periodic, register

from ..channels import pull, stock


@shared_task(name="connectors.pull_due", ignore_result=True)
def pull_due() -> dict:
    return pull.pull_due()


@shared_task(name="connectors.push_stock", ignore_result=True)
def push_stock() -> int:
    return stock.push_due()


register(Periodic("weft: pull orders from polled channels", "connectors.pull_due", 5, IntervalSchedule.SECONDS))
register(Periodic("weft: push available stock to channels", "connectors.push_stock", 2, IntervalSchedule.SECONDS))
