"""The workspace's members and pending invitations; every change goes through accounts' services."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts import services as accounts
from apps.accounts.models import Invitation, Member, Role
from apps.accounts.permissions import SESSION_KEY
from apps.core.errors import WeftError

from ..pages import errors_of, member_page, page


def _members_page(request: HttpRequest, *, status: int = 200, failed: tuple[str, int, WeftError] | None = None,
                  **context: Any) -> HttpResponse:
    """The page; ``failed`` names the row (``member`` or ``invitation``, its id) whose action was refused."""
    workspace = request.workspace
    members = list(Member.objects.filter(workspace=workspace).select_related("user").order_by("pk"))
    invitations = list(accounts.pending_invitations(workspace))
    if failed is not None:
        kind, pk, error = failed
        for row in members if kind == "member" else invitations:
            if row.pk == pk:
                row.errors = [m for messages in errors_of(error).values() for m in messages]
    return page(request, "web/settings/members.html", {
        "members": members, "invitations": invitations, "roles": Role.choices, "errors": {}, "invite": {},
        **context,
    }, status=status)


def _row_failed(request: HttpRequest, kind: str, pk: int, error: WeftError) -> HttpResponse:
    return _members_page(request, status=error.status, failed=(kind, pk, error))


@member_page()
def members(request: HttpRequest) -> HttpResponse:
    return _members_page(request)


@require_POST
@member_page()
def invite(request: HttpRequest) -> HttpResponse:
    data = {key: request.POST.get(key, "") for key in ("username", "role", "display_name")}
    try:
        added = accounts.add_or_invite(request.workspace, data["username"], data["role"] or Role.MEMBER,
                                       by=request.member, display_name=data["display_name"])
    except WeftError as error:
        return _members_page(request, status=error.status, errors=errors_of(error), invite=data)
    if isinstance(added, Invitation):
        messages.success(request, _("%(name)s is invited; they join once they accept.")
                         % {"name": added.invitee.get_username()})
    else:
        messages.success(request, _("%(name)s joined the workspace.") % {"name": added.name})
    return redirect("web:members")


@require_POST
@member_page()
def change_role(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        member = accounts.change_member_role(request.workspace, pk, request.POST.get("role", ""),
                                             by=request.member)
    except WeftError as error:
        return _row_failed(request, "member", pk, error)
    messages.success(request, _("%(name)s is now %(role)s.")
                     % {"name": member.name, "role": Role(member.role).label})
    return redirect("web:members")


@require_POST
@member_page()
def remove(request: HttpRequest, pk: int) -> HttpResponse:
    leaving = pk == request.member.pk
    try:
        accounts.remove_member(request.workspace, pk, by=request.member)
    except WeftError as error:
        return _row_failed(request, "member", pk, error)
    if leaving:
        request.session.pop(SESSION_KEY, None)
        messages.success(request, _("You left the workspace."))
        return redirect("web:workspaces")
    messages.success(request, _("The member was removed."))
    return redirect("web:members")


@require_POST
@member_page()
def revoke_invitation(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        accounts.revoke_invitation(request.workspace, pk, by=request.member)
    except WeftError as error:
        return _row_failed(request, "invitation", pk, error)
    messages.success(request, _("The invitation was withdrawn."))
    return redirect("web:members")
