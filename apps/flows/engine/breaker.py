"""The breaker: a flow whose runs keep failing is paused and its owner told, not left to fail forever."""

from __future__ import annotations

from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from ..models import Flow, Notification
from .limits import flow_settings


def record_outcome(flow_id: int, succeeded: bool, error: dict | None) -> None:
    if succeeded:
        Flow.objects.filter(pk=flow_id).exclude(consecutive_failures=0).update(consecutive_failures=0)
        return
    Flow.objects.filter(pk=flow_id).update(consecutive_failures=F("consecutive_failures") + 1)
    flow = Flow.objects.select_related("owner").get(pk=flow_id)
    threshold = int(flow_settings(flow.definition)["breaker_threshold"])
    if threshold and flow.consecutive_failures >= threshold and flow.paused_at is None:
        reason = _("paused after %(n)d failed runs in a row; last error: %(error)s") % {
            "n": flow.consecutive_failures, "error": (error or {}).get("message", "")[:200]}
        Flow.objects.filter(pk=flow_id, paused_at__isnull=True).update(paused_at=timezone.now(),
                                                                       paused_reason=reason[:300])
        if flow.owner_id:
            Notification.objects.create(workspace_id=flow.workspace_id, member_id=flow.owner_id,
                                        title=_("Flow '%(name)s' was paused") % {"name": flow.name},
                                        body=reason)


def resume(flow: Flow) -> None:
    """Close the breaker; the caller schedules the runs that waited meanwhile."""
    Flow.objects.filter(pk=flow.pk).update(paused_at=None, paused_reason="", consecutive_failures=0)
