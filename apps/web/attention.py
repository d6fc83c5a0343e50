"""What needs the member now: the reads behind the home page, each limited to one workspace."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from apps.accounts.models import Member, Role
from apps.connectors.models import ChannelAccount, Delivery, DeliveryStatus
from apps.flows.models import Run, RunStatus

LATEST = 5


@dataclass
class Problems:
    """A count and the latest few, each as ``(id or key in its API path, title, error text)``."""

    count: int = 0
    latest: list[tuple[int | str, str, str]] = field(default_factory=list)


def _text(error: Any) -> str:
    if isinstance(error, dict):
        return str(error.get("message") or error.get("code") or "")[:300]
    return str(error or "")[:300]


def failed_runs(member: Member) -> Problems:
    runs = Run.objects.filter(workspace=member.workspace, status=RunStatus.FAILED)
    latest = runs.select_related("flow").order_by("-id")[:LATEST]
    return Problems(runs.count(), [(r.pk, r.flow.name, _text(r.error)) for r in latest])


def failed_deliveries(member: Member) -> Problems | None:
    """None below builder: deliveries carry raw traffic (platform/reference/permissions.md)."""
    if not member.has_role(Role.BUILDER):
        return None
    found = Delivery.objects.filter(workspace=member.workspace, status=DeliveryStatus.FAILED)
    latest = found.select_related("endpoint").order_by("-id")[:LATEST]
    return Problems(found.count(), [(d.pk, d.endpoint.name, _text(d.error)) for d in latest])


def channels_with_errors(member: Member) -> Problems | None:
    """None below builder: channel accounts hold credentials."""
    if not member.has_role(Role.BUILDER):
        return None
    found = ChannelAccount.objects.filter(workspace=member.workspace).exclude(last_pull_error="")
    latest = found.order_by("-last_pull_at", "-id")[:LATEST]
    return Problems(found.count(), [(c.key, c.name, _text(c.last_pull_error)) for c in latest])
