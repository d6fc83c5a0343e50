"""Workspace, member and token use cases."""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.audit import services as audit
from apps.core.errors import ErrorCollector
from apps.core.http import parse_allow_entry

from .models import ApiToken, Member, Role, Workspace, hash_token

MAX_ALLOW_ENTRIES = 200


@transaction.atomic
def create_workspace(name: str, owner, *, slug: str | None = None, timezone_name: str | None = None) -> Workspace:
    base = slugify(slug or name) or "workspace"
    candidate, n = base, 1
    while Workspace.objects.filter(slug=candidate).exists():
        n += 1
        candidate = f"{base}-{n}"
    workspace = Workspace.objects.create(name=name, slug=candidate, **({"timezone": timezone_name} if timezone_name else {}))
    Member.objects.create(workspace=workspace, user=owner, role=Role.OWNER)
    return workspace


def add_member(workspace: Workspace, user, role: str = Role.MEMBER, display_name: str = "") -> Member:
    member, _ = Member.objects.update_or_create(
        workspace=workspace, user=user, defaults={"role": role, "display_name": display_name}
    )
    return member


def issue_token(member: Member, name: str = "default") -> tuple[ApiToken, str]:
    """Create a token and return it with its raw key, which is never shown again."""
    raw = ApiToken.generate()
    token = ApiToken.objects.create(
        member=member, workspace=member.workspace, name=name, key_hash=hash_token(raw), hint=raw[:9]
    )
    return token, raw


def resolve_token(raw: str) -> ApiToken | None:
    token = (
        ApiToken.objects.select_related("member__user", "workspace")
        .filter(key_hash=hash_token(raw), revoked_at__isnull=True)
        .first()
    )
    if token is None or not token.member.user.is_active:
        return None
    now = timezone.now()
    if token.last_used_at is None or (now - token.last_used_at).total_seconds() > 60:
        ApiToken.objects.filter(pk=token.pk).update(last_used_at=now)
    return token


def revoke_token(token: ApiToken) -> None:
    ApiToken.objects.filter(pk=token.pk).update(revoked_at=timezone.now())


def ensure_demo(username: str = "owner", password: str = "weft-demo") -> tuple[Member, str | None]:
    """Create the demo owner, workspace and token if no workspace exists yet."""
    existing = Member.objects.select_related("workspace", "user").filter(role=Role.OWNER).first()
    if existing is not None:
        return existing, None
    user_model = get_user_model()
    user = user_model.objects.filter(username=username).first()
    if user is None:
        user = user_model.objects.create_superuser(username=username, password=password, email="")
    workspace = create_workspace("Demo shop", user, slug="demo")
    member = Member.objects.get(workspace=workspace, user=user)
    _, raw = issue_token(member, "demo")
    return member, raw


def clean_http_allow_list(value: Any) -> list[str]:
    """The entries in their canonical spelling, duplicates dropped; every bad entry is reported by its index."""
    field = "http_allow_list"
    errors = ErrorCollector()
    if not isinstance(value, list):
        errors.add(field, _("must be a list of host names, addresses or networks"))
        errors.raise_if_any()
    if len(value) > MAX_ALLOW_ENTRIES:
        errors.add(field, _("has more than %(n)d entries") % {"n": MAX_ALLOW_ENTRIES})
    cleaned: list[str] = []
    for index, entry in enumerate(value):
        if not isinstance(entry, str):
            errors.add(f"{field}[{index}]", _("must be a string"))
            continue
        try:
            text = parse_allow_entry(entry).text
        except ValueError as exc:
            errors.add(f"{field}[{index}]", str(exc))
            continue
        if text not in cleaned:
            cleaned.append(text)
    errors.raise_if_any()
    return cleaned


@transaction.atomic
def set_http_allow_list(workspace: Workspace, entries: Any, *, member: Member | None = None) -> list[str]:
    """Replace the workspace's allow-list; the change is audited because it opens the private network."""
    cleaned = clean_http_allow_list(entries)
    locked = Workspace.objects.select_for_update().get(pk=workspace.pk)
    before = list(locked.http_allow_list or [])
    locked.http_allow_list = cleaned
    locked.save(update_fields=["http_allow_list"])
    workspace.http_allow_list = cleaned
    if before != cleaned:
        audit.record(locked, member, "workspace.http_allow_list", locked, {"before": before, "after": cleaned})
    return cleaned


def http_allow_list(workspace: Workspace) -> list[str]:
    """The list as stored now (one small query), so a change applies to the next request of a running flow."""
    value = Workspace.objects.filter(pk=workspace.pk).values_list("http_allow_list", flat=True).first()
    return [str(entry) for entry in value] if isinstance(value, list) else []
