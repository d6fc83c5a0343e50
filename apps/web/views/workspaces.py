"""Choosing the workspace a browser session works in."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts import services as accounts
from apps.accounts.permissions import remember_workspace

from ..pages import bind_if_chosen, page


def _next(request: HttpRequest) -> str:
    wanted = request.POST.get("next") or request.GET.get("next") or ""
    if wanted and url_has_allowed_host_and_scheme(wanted, {request.get_host()}, request.is_secure()):
        return wanted
    return "/"


@login_required
def choose(request: HttpRequest) -> HttpResponse:
    """The person's workspaces to pick from; also where someone without any lands."""
    bind_if_chosen(request)
    return page(request, "web/workspaces.html", {
        "next": _next(request), "invitations": list(accounts.invitations_for(request.user)),
    })


@login_required
@require_POST
def switch(request: HttpRequest, slug: str) -> HttpResponse:
    member = accounts.memberships(request.user).filter(workspace__slug=slug).first()
    if member is None:
        return page(request, "web/refused.html", {"errors": {"general": [
            _("You are not a member of a workspace with this slug.")]}}, status=404)
    remember_workspace(request, member)
    return redirect(_next(request))
