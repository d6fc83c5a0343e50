"""Use cases of outbound subscriptions: create, change, enable, rotate the secret, test, redeliver.

Each change is one transaction with its audit entry; a test or a redelivery
sends outside any transaction and is audited once sent. The secret leaves
the server in two answers only: create and rotate.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from apps.accounts.models import Member, Workspace
from apps.audit import services as audit
from apps.core.errors import ValidationFailed
from apps.core.signing import new_secret
from apps.vault import selectors as vault_selectors

from ..models import Attempt, Message, MessageStatus, Subscription
from . import delivery
from .errors import MessageNotFound, SubscriptionKeyTaken, SubscriptionNotFound
from .events import PING
from .fanout import new_message_id
from .kick import deliver_after_commit
from .payloads import ping_payload
from .subscribers import forget
from .validation import clean

ROTATION_OVERLAP = timedelta(hours=24)


def list_subscriptions(workspace: Workspace) -> list[Subscription]:
    return list(Subscription.objects.filter(workspace=workspace).prefetch_related("forms").order_by("key"))


def get_subscription(workspace: Workspace, key: str) -> Subscription:
    sub = Subscription.objects.filter(workspace=workspace, key=key).select_related("workspace").first()
    if sub is None:
        raise SubscriptionNotFound()
    return sub


def get_message(workspace: Workspace, message_id: str) -> Message:
    message = Message.objects.filter(workspace=workspace, message_id=message_id).first()
    if message is None:
        raise MessageNotFound()
    return message


def _audited(sub: Subscription) -> dict:
    return {"key": sub.key, "name": sub.name, "url": sub.url, "events": sub.events,
            "forms": sorted(sub.forms.values_list("key", flat=True)), "headers": sorted(sub.headers),
            "failure_threshold": sub.failure_threshold, "enabled": sub.enabled}


def create_subscription(workspace: Workspace, data: dict, *, member: Member | None) -> tuple[Subscription, Any]:
    """The new subscription and its secret (shown this once).

    ``secret`` may name a vault secret (``{"secret": name}``) shared with the
    receiver beforehand: the answer then holds that reference, not a value.
    """
    given = data.get("secret") if isinstance(data, dict) else None
    values = clean(workspace, data)
    forms = values.pop("forms")
    if vault_selectors.is_reference(given):
        if not vault_selectors.exists(workspace, vault_selectors.reference_name(given)):
            raise ValidationFailed({"secret": [_("no secret '%(name)s' in this workspace") % {
                "name": vault_selectors.reference_name(given)}]})
        secret, stored = given, vault_selectors.as_text(given)
    else:
        secret = stored = new_secret()
    try:
        with transaction.atomic():
            sub = Subscription.objects.create(workspace=workspace, secret=stored, created_by=member, **values)
            sub.forms.set(forms)
            audit.record(workspace, member, "subscription.created", sub, {"after": _audited(sub)})
    except IntegrityError:
        raise SubscriptionKeyTaken(errors={"key": [SubscriptionKeyTaken.default_message]}) from None
    forget(workspace.pk)
    return sub, secret


@transaction.atomic
def update_subscription(sub: Subscription, data: dict, *, member: Member | None) -> Subscription:
    values = clean(sub.workspace, data, key=sub.key)
    forms = values.pop("forms")
    before = _audited(sub)
    for name, value in values.items():
        setattr(sub, name, value)
    sub.save(update_fields=[*values, "updated_at"])  # not the counters that deliveries update meanwhile
    sub.forms.set(forms)
    audit.record(sub.workspace, member, "subscription.updated", sub,
                 {"changes": audit.json_diff(before, _audited(sub))})
    forget(sub.workspace_id)
    return sub


@transaction.atomic
def delete_subscription(sub: Subscription, *, member: Member | None) -> None:
    audit.record(sub.workspace, member, "subscription.deleted", sub, {"before": _audited(sub)})
    forget(sub.workspace_id)
    sub.delete()


@transaction.atomic
def set_enabled(sub: Subscription, enabled: bool, *, member: Member | None) -> Subscription:
    """Enabling clears the failure count and sends the messages that waited meanwhile."""
    if enabled:
        Subscription.objects.filter(pk=sub.pk).update(enabled=True, consecutive_failures=0, disabled_at=None,
                                                      disabled_reason="", updated_at=timezone.now())
        deliver_after_commit()
    else:
        Subscription.objects.filter(pk=sub.pk).update(enabled=False, disabled_at=timezone.now(),
                                                      disabled_reason="", updated_at=timezone.now())
    sub.refresh_from_db()
    audit.record(sub.workspace, member, "subscription.enabled" if enabled else "subscription.disabled", sub)
    forget(sub.workspace_id)
    return sub


@transaction.atomic
def rotate_secret(sub: Subscription, *, member: Member | None) -> tuple[Subscription, str]:
    """A new secret; the old one still signs alongside it for ``ROTATION_OVERLAP``."""
    secret = new_secret()
    sub.previous_secret, sub.previous_secret_expires_at = sub.secret, timezone.now() + ROTATION_OVERLAP
    sub.secret = secret
    sub.save(update_fields=["secret", "previous_secret", "previous_secret_expires_at", "updated_at"])
    audit.record(sub.workspace, member, "subscription.secret_rotated", sub)
    return sub, secret


def send_test(sub: Subscription, *, member: Member | None) -> Message:
    """A ``ping`` sent now, once: its outcome is the answer, and a failure is not retried."""
    now = timezone.now()
    message = Message.objects.create(workspace_id=sub.workspace_id, subscription=sub, message_id=new_message_id(),
                                     event_type=PING, payload=ping_payload(sub.key, now), next_attempt_at=None)
    delivery.send_now(message, now=now, final=True)
    audit.record(sub.workspace, member, "subscription.tested", sub, {"message": message.message_id})
    message.refresh_from_db()
    return message


def redeliver(workspace: Workspace, message_id: str, *, member: Member | None) -> tuple[Message, Attempt]:
    message = get_message(workspace, message_id)
    attempt = delivery.send_now(message)
    audit.record(workspace, member, "message.redelivered", message, {"status_code": attempt.status_code})
    message.refresh_from_db()
    return message, attempt


def messages(sub: Subscription, *, statuses: list[str] | None = None, before: int | None = None,
             limit: int = 50) -> tuple[list[Message], int | None]:
    """Newest first, ``limit`` at a time; the cursor is the last one's position (None at the end)."""
    unknown = sorted(set(statuses or ()) - set(MessageStatus.values))
    if unknown:
        raise ValidationFailed({"status": [_("unknown status: %(s)s") % {"s": ", ".join(unknown)}]})
    rows = Message.objects.filter(workspace_id=sub.workspace_id, subscription=sub)
    if statuses:
        rows = rows.filter(status__in=statuses)
    if before is not None:
        rows = rows.filter(pk__lt=before)
    page = list(rows.order_by("-id").prefetch_related("attempt_log")[: limit + 1])
    more = len(page) > limit
    page = page[:limit]
    return page, (page[-1].pk if more and page else None)

