"""A subscription whose endpoint keeps failing is disabled and its owner told, not retried forever.

Failed automatic attempts count up per subscription, whatever the message;
any success sets the count back to zero. The update that disables is
conditional, so of several workers failing at once exactly one disables the
subscription and notifies.
"""

from __future__ import annotations

from datetime import datetime

from django.db.models import F
from django.utils.translation import gettext as _

from apps.accounts.models import Member, Role
from apps.flows.models import Notification

from ..models import Subscription
from .subscribers import forget


def succeeded(subscription_id: int) -> None:
    Subscription.objects.filter(pk=subscription_id).exclude(consecutive_failures=0).update(consecutive_failures=0)


def failed(subscription_id: int, error: str, now: datetime) -> bool:
    """Count one failed attempt; True when this one disabled the subscription."""
    Subscription.objects.filter(pk=subscription_id).update(consecutive_failures=F("consecutive_failures") + 1)
    sub = Subscription.objects.filter(pk=subscription_id).only(
        "workspace_id", "consecutive_failures", "failure_threshold", "enabled").first()
    if sub is None or not sub.enabled or not sub.failure_threshold \
            or sub.consecutive_failures < sub.failure_threshold:
        return False
    reason = _("disabled after %(n)d failed attempts in a row; last error: %(error)s") % {
        "n": sub.consecutive_failures, "error": error[:300]}
    disabled = Subscription.objects.filter(
        pk=subscription_id, enabled=True, consecutive_failures__gte=F("failure_threshold")).update(
        enabled=False, disabled_at=now, disabled_reason=reason[:500])
    if not disabled:
        return False
    forget(sub.workspace_id)
    notify_disabled(Subscription.objects.select_related("created_by").get(pk=subscription_id))
    return True


def recipients(sub: Subscription) -> list[Member]:
    """The subscription's creator while still a member, else the workspace's owners."""
    creator = sub.created_by
    if creator is not None and creator.workspace_id == sub.workspace_id:
        return [creator]
    return list(Member.objects.filter(workspace_id=sub.workspace_id, role=Role.OWNER).order_by("id"))


def notify_disabled(sub: Subscription) -> None:
    title = _("Webhook subscription '%(name)s' was disabled") % {"name": sub.name}
    body = _("%(reason)s. Its pending messages are kept and sent once it is enabled again.") % {
        "reason": sub.disabled_reason}
    Notification.objects.bulk_create([Notification(workspace_id=sub.workspace_id, member=member, title=title[:300],
                                                   body=body) for member in recipients(sub)])
