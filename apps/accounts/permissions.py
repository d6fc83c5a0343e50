"""Every API request is bound to one member of one workspace before any view runs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from .errors import WorkspaceNotChosen
from .models import Member, Role

WORKSPACE_HEADER = "HTTP_X_WEFT_WORKSPACE"
SESSION_KEY = "workspace"


def by_token(request) -> bool:
    return getattr(request, "_weft_member", None) is not None


def resolve_member(request) -> Member | None:
    """The caller's membership: fixed by an API token, else named by header or chosen in the session.

    Nothing is guessed: with no choice, a person with one workspace is in it, and a person with
    several gets ``WorkspaceNotChosen`` — landing in whichever came first would let one workspace
    receive what was meant for another.
    """
    member = getattr(request, "_weft_member", None)
    if member is not None:
        return member
    user = request.user
    if not user or not user.is_authenticated:
        return None
    memberships = Member.objects.select_related("workspace", "user").filter(user=user)
    wanted = request.META.get(WORKSPACE_HEADER)
    if wanted:
        return memberships.filter(workspace__slug=str(wanted)).first()
    chosen = request.session.get(SESSION_KEY)
    if chosen:
        member = memberships.filter(workspace__slug=str(chosen)).first()
        if member is not None:
            return member
        request.session.pop(SESSION_KEY, None)
    only = list(memberships.order_by("pk")[:2])
    if len(only) > 1:
        raise WorkspaceNotChosen()
    return only[0] if only else None


def remember_workspace(request, member: Member) -> None:
    """Make ``member``'s workspace the session's current one until another is chosen."""
    request.session[SESSION_KEY] = member.workspace.slug


class IsWorkspaceMember(permissions.BasePermission):
    """Allows a request only with a membership; views read ``request.member``.

    Views may set ``required_role`` (for all methods) or ``write_role`` (for
    unsafe methods) to narrow it further.
    """

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        member = resolve_member(request)
        if member is None:
            raise exceptions.PermissionDenied(_("You are not a member of this workspace."))
        request.member = member
        request.workspace = member.workspace
        role = getattr(view, "required_role", Role.MEMBER)
        if request.method not in permissions.SAFE_METHODS:
            role = getattr(view, "write_role", role)
        if not member.has_role(role):
            raise exceptions.PermissionDenied(
                _("This needs the %(role)s role or higher.") % {"role": Role(role).label}
            )
        return True


class IsAuthenticatedPerson(permissions.BasePermission):
    """For what belongs to the person rather than to one workspace: their invitations, their workspaces.

    No workspace is bound to the request, so such views read only ``request.user``.
    """

    def has_permission(self, request, view) -> bool:
        if not request.user or not request.user.is_authenticated:
            raise exceptions.NotAuthenticated()
        return True
