"""The invitations waiting for the signed-in person's answer, in every workspace."""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts import services as accounts
from apps.accounts.permissions import remember_workspace
from apps.core.errors import WeftError

from ..pages import bind_if_chosen, errors_of, page


def _list(request: HttpRequest, errors: dict | None = None, status: int = 200) -> HttpResponse:
    bind_if_chosen(request)
    return page(request, "web/invitations.html", {
        "invitations": list(accounts.invitations_for(request.user)), "errors": errors or {},
    }, status=status)


@login_required
def invitations(request: HttpRequest) -> HttpResponse:
    return _list(request)


@login_required
@require_POST
def accept(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        member = accounts.accept_invitation(request.user, pk)
    except WeftError as error:
        return _list(request, errors_of(error), error.status)
    remember_workspace(request, member)
    messages.success(request, _("You joined %(workspace)s.") % {"workspace": member.workspace.name})
    return redirect("web:home")


@login_required
@require_POST
def decline(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        invitation = accounts.decline_invitation(request.user, pk)
    except WeftError as error:
        return _list(request, errors_of(error), error.status)
    messages.success(request, _("You declined the invitation to %(workspace)s.")
                     % {"workspace": invitation.workspace.name})
    return redirect("web:invitations")
