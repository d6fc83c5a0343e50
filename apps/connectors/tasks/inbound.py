"""Celery tasks: processing inbound deliveries (woken by the intake, and swept periodically)."""

from __future__ import annotations

from celery import shared_task
from django_celery_beat.models import IntervalSchedule

from apps.core.schedules import Periodic, register

from ..inbound.processing import process_pending


@shared_task(name="connectors.process_deliveries", acks_late=True, ignore_result=True)
def process_deliveries() -> int:
    return process_pending()


register(Periodic("weft: process received webhook deliveries", "connectors.process_deliveries", 10,
                  IntervalSchedule.SECONDS))
