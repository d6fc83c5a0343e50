"""What needs the member now: the reads behind the home page, each limited to one workspace."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import QuerySet

from apps.accounts.models import Member, Role
from apps.connectors import selectors as connectors
from apps.flows import selectors as flows

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


def _problems(found: QuerySet, row: Callable[[Any], tuple[int | str, str, str]]) -> Problems:
    """``found`` counted, and its first ``LATEST`` shaped by ``row``."""
    return Problems(found.count(), [row(item) for item in found[:LATEST]])


def failed_runs(member: Member) -> Problems:
    return _problems(flows.failed_runs(member.workspace), lambda r: (r.pk, r.flow.name, _text(r.error)))


def failed_deliveries(member: Member) -> Problems | None:
    """None below builder: deliveries carry raw traffic (platform/reference/permissions.md)."""
    if not member.has_role(Role.BUILDER):
        return None
    return _problems(connectors.failed_deliveries(member.workspace),
                     lambda d: (d.pk, d.endpoint.name, _text(d.error)))


def channels_with_errors(member: Member) -> Problems | None:
    """None below builder: channel accounts hold credentials."""
    if not member.has_role(Role.BUILDER):
        return None
    return _problems(connectors.channels_with_pull_errors(member.workspace),
                     lambda c: (c.key, c.name, _text(c.last_pull_error)))
