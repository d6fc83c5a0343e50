"""Workspace, member and token use cases."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.audit import services as audit
from apps.core.errors import ErrorCollector, NotFound, PermissionDenied, ValidationFailed
from apps.core.http import parse_allow_entry

from .errors import AlreadyInvited, AlreadyMember, InvitationNotPending, LastOwner, MemberOutOfReach
from .models import ROLE_RANK, ApiToken, Invitation, Member, Role, Workspace, hash_token

MAX_ALLOW_ENTRIES = 200
INVITATION_TTL = timedelta(days=14)


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


# --- Members and invitations --------------------------------------------------------
# Roles rank owner > admin > builder > member. Admins and owners manage members: nobody grants a
# role above their own, nobody but an owner touches a member at or above their own rank, and a
# workspace always keeps one owner. Every change is audited with its before and after.


def _rank(role: str) -> int:
    return ROLE_RANK[Role(role)]


def _acting(workspace: Workspace, by: Member) -> Member:
    """The caller's membership as stored now: a role taken away a moment ago no longer counts."""
    actor = Member.objects.select_related("user").filter(pk=by.pk, workspace=workspace).first()
    if actor is None:
        raise PermissionDenied(_("You are not a member of this workspace."))
    return actor


def _needs_admin(actor: Member) -> None:
    if not actor.has_role(Role.ADMIN):
        raise PermissionDenied(_("This needs the %(role)s role or higher.") % {"role": Role.ADMIN.label})


def _may_grant(actor: Member, role: str) -> None:
    _needs_admin(actor)
    if _rank(role) > _rank(actor.role):
        raise ValidationFailed({"role": [_("cannot be above your own role (%(role)s)")
                                         % {"role": Role(actor.role).label}]})


def _may_manage(actor: Member, target: Member) -> None:
    if actor.role == Role.OWNER:
        return
    _needs_admin(actor)
    if _rank(target.role) >= _rank(actor.role):
        raise MemberOutOfReach()


def _clean_role(role: Any, errors: ErrorCollector) -> str:
    if role not in Role.values:
        errors.add("role", _("must be one of: %(roles)s") % {"roles": ", ".join(Role.values)})
    return str(role)


def _lock_members(workspace: Workspace, by: Member, member_id: int) -> tuple[Member, Member, int]:
    """Lock the workspace's owners, the caller and the target (in key order); count the owners.

    Holding every owner row is what keeps the last-owner rule true when two changes race.
    """
    rows = {
        m.pk: m
        for m in Member.objects.select_for_update(of=("self",)).select_related("user")
        .filter(workspace=workspace).filter(Q(role=Role.OWNER) | Q(pk__in=[by.pk, member_id])).order_by("pk")
    }
    actor, target = rows.get(by.pk), rows.get(member_id)
    if actor is None:
        raise PermissionDenied(_("You are not a member of this workspace."))
    if target is None:
        raise NotFound()
    return actor, target, sum(1 for m in rows.values() if m.role == Role.OWNER)


def _audit_member(workspace: Workspace, actor: Member | None, action: str, member: Member,
                  before: dict | None, after: dict | None) -> None:
    audit.record(workspace, actor, action, member,
                 {"username": member.user.get_username(), "before": before, "after": after})


@transaction.atomic
def add_or_invite(workspace: Workspace, username: Any, role: Any = Role.MEMBER, *, by: Member,
                  display_name: str = "") -> Member | Invitation:
    """Add a member by username: a new account joins at once, an existing one is invited.

    An existing account belongs to a person who may work in other workspaces, so they decide
    whether to join. A username nobody has yet becomes an account made for this workspace,
    which bypasses no one's consent. Adding never changes the role of an existing member.
    """
    errors = ErrorCollector()
    if not isinstance(username, str) or not username.strip():
        errors.add("username", _("is required"))
    role = _clean_role(role, errors)
    errors.raise_if_any()
    actor = _acting(workspace, by)
    _may_grant(actor, role)
    username, display_name = username.strip(), str(display_name or "")[:200]
    user_model = get_user_model()
    user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
    if user is None:
        user = _new_account(username)
        if user is not None:
            member = Member.objects.create(workspace=workspace, user=user, role=role, display_name=display_name)
            _audit_member(workspace, actor, "member.added", member, None, {"role": role})
            return member
        user = user_model.objects.get(**{user_model.USERNAME_FIELD: username})
    return _invite(workspace, actor, user, role, display_name)


def _new_account(username: str):
    """A new account without a password, or None when the name was taken a moment ago."""
    user_model = get_user_model()
    try:
        user_model._meta.get_field(user_model.USERNAME_FIELD).clean(username, None)
    except ValidationError as exc:
        raise ValidationFailed({"username": list(exc.messages)}) from None
    try:
        with transaction.atomic():
            return user_model.objects.create_user(**{user_model.USERNAME_FIELD: username})
    except IntegrityError:
        return None


def _invite(workspace: Workspace, actor: Member, user, role: str, display_name: str) -> Invitation:
    existing = Member.objects.filter(workspace=workspace, user=user).first()
    if existing is not None:
        raise AlreadyMember(extra={"member": existing.pk})
    now = timezone.now()
    pending = Invitation.objects.select_for_update().filter(
        workspace=workspace, invitee=user, state=Invitation.State.PENDING).first()
    if pending is not None and pending.expires_at > now:
        raise AlreadyInvited(extra={"invitation": pending.pk})
    if pending is not None:
        pending.state = Invitation.State.EXPIRED
        pending.save(update_fields=["state"])
    try:
        with transaction.atomic():
            invitation = Invitation.objects.create(
                workspace=workspace, invitee=user, role=role, display_name=display_name, invited_by=actor,
                expires_at=now + INVITATION_TTL)
    except IntegrityError:
        raise AlreadyInvited() from None
    audit.record(workspace, actor, "invitation.created", invitation,
                 {"username": user.get_username(), "before": None, "after": {"role": role, "state": "pending"}})
    return invitation


@transaction.atomic
def change_member_role(workspace: Workspace, member_id: int, role: Any, *, by: Member) -> Member:
    """Give a member another role; owners can change anyone's, admins only those below them."""
    errors = ErrorCollector()
    role = _clean_role(role, errors)
    errors.raise_if_any()
    actor, target, owners = _lock_members(workspace, by, member_id)
    _may_manage(actor, target)
    _may_grant(actor, role)
    if target.role == role:
        return target
    if target.role == Role.OWNER and owners <= 1:
        raise LastOwner()
    before = target.role
    target.role = role
    target.save(update_fields=["role"])
    _audit_member(workspace, actor, "member.role_changed", target, {"role": before}, {"role": role})
    return target


@transaction.atomic
def remove_member(workspace: Workspace, member_id: int, *, by: Member) -> None:
    """Remove a member, or leave when it is the caller; the last owner can do neither.

    The member's API tokens go with the membership.
    """
    actor, target, owners = _lock_members(workspace, by, member_id)
    leaving = actor.pk == target.pk
    if not leaving:
        _may_manage(actor, target)
    if target.role == Role.OWNER and owners <= 1:
        raise LastOwner()
    _audit_member(workspace, actor, "member.left" if leaving else "member.removed", target,
                  {"role": target.role}, None)
    target.delete()


@transaction.atomic
def transfer_ownership(workspace: Workspace, member_id: int, *, by: Member) -> tuple[Member, Member]:
    """Make another member owner and the calling owner an admin, together or not at all.

    Returns the new owner and the former one, as stored now.
    """
    actor, target, _owners = _lock_members(workspace, by, member_id)
    if actor.role != Role.OWNER:
        raise PermissionDenied(_("Only an owner can transfer ownership."))
    if target.pk == actor.pk:
        raise ValidationFailed({"member": [_("is you: choose the member who becomes owner")]})
    before = target.role
    target.role = Role.OWNER
    target.save(update_fields=["role"])
    actor.role = Role.ADMIN
    actor.save(update_fields=["role"])
    _audit_member(workspace, actor, "member.ownership_received", target, {"role": before}, {"role": Role.OWNER})
    _audit_member(workspace, actor, "member.ownership_given", actor, {"role": Role.OWNER}, {"role": Role.ADMIN})
    return target, actor


def _own_pending(user, invitation_id: int) -> Invitation:
    invitation = (Invitation.objects.select_for_update(of=("self",)).select_related("workspace")
                  .filter(pk=invitation_id, invitee=user).first())
    if invitation is None:
        raise NotFound()
    if invitation.state != Invitation.State.PENDING or invitation.expires_at <= timezone.now():
        raise InvitationNotPending()
    return invitation


def _decide(invitation: Invitation, state: str) -> None:
    invitation.state, invitation.decided_at = state, timezone.now()
    invitation.save(update_fields=["state", "decided_at"])


@transaction.atomic
def accept_invitation(user, invitation_id: int) -> Member:
    """Join the workspace with the invited role; a membership that already exists keeps its role."""
    invitation = _own_pending(user, invitation_id)
    workspace = invitation.workspace
    member, created = Member.objects.get_or_create(
        workspace=workspace, user=user, defaults={"role": invitation.role, "display_name": invitation.display_name})
    _decide(invitation, Invitation.State.ACCEPTED)
    audit.record(workspace, member, "invitation.accepted", invitation,
                 {"username": user.get_username(), "before": {"state": "pending"}, "after": {"state": "accepted"}})
    if created:
        _audit_member(workspace, member, "member.added", member, None, {"role": member.role})
    return member


@transaction.atomic
def decline_invitation(user, invitation_id: int) -> Invitation:
    invitation = _own_pending(user, invitation_id)
    _decide(invitation, Invitation.State.DECLINED)
    audit.record(invitation.workspace, None, "invitation.declined", invitation,
                 {"username": user.get_username(), "before": {"state": "pending"}, "after": {"state": "declined"}})
    return invitation


@transaction.atomic
def revoke_invitation(workspace: Workspace, invitation_id: int, *, by: Member) -> Invitation:
    """Withdraw a pending invitation; an invitation to a role above the caller's is not theirs to withdraw."""
    actor = _acting(workspace, by)
    invitation = (Invitation.objects.select_for_update(of=("self",)).select_related("invitee")
                  .filter(pk=invitation_id, workspace=workspace).first())
    if invitation is None:
        raise NotFound()
    _needs_admin(actor)
    if _rank(invitation.role) > _rank(actor.role):
        raise MemberOutOfReach(_("Only an owner can withdraw an invitation to the owner role."))
    if invitation.state != Invitation.State.PENDING:
        raise InvitationNotPending()
    _decide(invitation, Invitation.State.REVOKED)
    audit.record(workspace, actor, "invitation.revoked", invitation,
                 {"username": invitation.invitee.get_username(), "before": {"state": "pending"},
                  "after": {"state": "revoked"}})
    return invitation


def pending_invitations(workspace: Workspace):
    """The workspace's invitations still waiting for an answer, oldest first."""
    return (Invitation.objects.filter(workspace=workspace, state=Invitation.State.PENDING,
                                      expires_at__gt=timezone.now())
            .select_related("invitee", "invited_by__user").order_by("pk"))


def invitations_for(user):
    """The invitations waiting for this person's answer, in every workspace."""
    return (Invitation.objects.filter(invitee=user, state=Invitation.State.PENDING, expires_at__gt=timezone.now())
            .select_related("workspace", "invited_by__user").order_by("pk"))


def memberships(user):
    return Member.objects.filter(user=user).select_related("workspace", "user").order_by("workspace__name", "pk")
