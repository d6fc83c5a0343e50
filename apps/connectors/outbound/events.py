"""The event types a subscription may choose, in one place (the API validates against it)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

RECORD_EVENTS = {
    "record.created": _("A record was created"),
    "record.updated": _("A record was updated"),
    "record.deleted": _("A record was deleted"),
    "counter.adjusted": _("A counter of a record was adjusted"),
}
RUN_EVENTS = {
    "run.succeeded": _("A flow run succeeded"),
    "run.failed": _("A flow run failed"),
}
EVENT_TYPES = {**RECORD_EVENTS, **RUN_EVENTS}

PING = "ping"
"""Sent by the ``test`` action only; nobody subscribes to it."""
