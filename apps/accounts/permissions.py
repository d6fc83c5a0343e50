"""Every API request is bound to one member of one workspace before any view runs."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import exceptions, permissions

from .models import Member, Role

WORKSPACE_HEADER = "HTTP_X_WEFT_WORKSPACE"


def resolve_member(request) -> Member | None:
    """The caller's membership: fixed by an API token, else chosen by header or session."""
    member = getattr(request, "_weft_member", None)
    if member is not None:
        return member
    user = request.user
    if not user or not user.is_authenticated:
        return None
    memberships = Member.objects.select_related("workspace", "user").filter(user=user)
    wanted = request.META.get(WORKSPACE_HEADER) or request.session.get("workspace")
    if wanted:
        return memberships.filter(workspace__slug=str(wanted)).first()
    return memberships.order_by("workspace_id").first()


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
