"""What every page shares: the member it acts as, the shell's context, and errors shown as data.

A page acts as one member of one workspace, resolved exactly as the API resolves it
(accounts' ``resolve_member``). A person with several workspaces and none chosen is sent to
the workspace picker instead of an error; a role below the page's is answered 403 with a
page that says which role it needs.
"""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any
from urllib.parse import urlencode

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from apps.accounts import services as accounts
from apps.accounts.errors import WorkspaceNotChosen
from apps.accounts.models import Member, Role
from apps.accounts.permissions import resolve_member
from apps.core.errors import NON_FIELD, WeftError
from apps.forms import selectors as forms

View = Callable[..., HttpResponse]


def shell(request: HttpRequest) -> dict[str, Any]:
    """The rail's content: the person's workspaces, the current one and its forms."""
    member: Member | None = getattr(request, "member", None)
    workspaces = list(accounts.memberships(request.user)) if request.user.is_authenticated else []
    return {
        "member": member,
        "workspace": member.workspace if member else None,
        "memberships": workspaces,
        "rail_apps": _by_app(forms.forms_of(member.workspace)) if member else [],
        "pending_invitations": accounts.invitations_for(request.user).count()
        if request.user.is_authenticated else 0,
        "is_admin": bool(member and member.has_role(Role.ADMIN)),
    }


def _by_app(found) -> list[tuple[str, list]]:
    """Forms grouped under their app's name (forms without an app last, under an empty name)."""
    groups: dict[str, list] = {}
    for form in found:
        groups.setdefault(form.app.name if form.app else "", []).append(form)
    return sorted(groups.items(), key=lambda item: (item[0] == "", item[0].lower()))


def page(request: HttpRequest, template: str, context: dict[str, Any] | None = None, *,
         status: int = 200) -> HttpResponse:
    return render(request, template, {**shell(request), **(context or {})}, status=status)


def errors_of(error: WeftError) -> dict[str, list[str]]:
    """A service's errors by field, as text; the field ``general`` holds what concerns no one field."""
    found = {key: [str(m) for m in messages] for key, messages in error.errors.items()}
    if NON_FIELD in found:
        found["general"] = found.pop(NON_FIELD)
    return found


def refused(request: HttpRequest, error: WeftError) -> HttpResponse:
    return page(request, "web/refused.html", {"errors": errors_of(error)}, status=error.status)


def bind_if_chosen(request: HttpRequest) -> None:
    """For pages of the person rather than a workspace: show the current workspace in the shell if there is one."""
    try:
        member = resolve_member(request)
    except WorkspaceNotChosen:
        member = None
    request.member = member
    if member is not None:
        request.workspace = member.workspace


def member_page(role: str = Role.MEMBER) -> Callable[[View], View]:
    """Bind ``request.member`` and ``request.workspace`` before the view, and refuse roles below ``role``."""

    def decorate(view: View) -> View:
        @login_required
        @wraps(view)
        def wrapped(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                member = resolve_member(request)
            except WorkspaceNotChosen:
                return redirect(f"{reverse('web:workspaces')}?{urlencode({'next': request.get_full_path()})}")
            if member is None:
                return redirect("web:workspaces")
            request.member, request.workspace = member, member.workspace
            if not member.has_role(role):
                return page(request, "web/refused.html", {"errors": {"general": [
                    _("This page needs the %(role)s role or higher.") % {"role": Role(role).label}]}},
                    status=403)
            try:
                return view(request, *args, **kwargs)
            except WeftError as error:
                if error.status in (403, 404):
                    return refused(request, error)
                raise

        return wrapped

    return decorate
