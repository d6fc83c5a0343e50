"""Workspace, member and token use cases."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from .models import ApiToken, Member, Role, Workspace, hash_token


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
