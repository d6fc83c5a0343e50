"""The member's own API tokens in this workspace: list, create (shown once), revoke."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from apps.accounts import services as accounts
from apps.accounts.models import ApiToken
from apps.core.errors import NotFound

from ..pages import member_page, page, refused


def _mine(request: HttpRequest):
    return ApiToken.objects.filter(member=request.member, workspace=request.workspace, revoked_at__isnull=True)


def _tokens_page(request: HttpRequest, *, status: int = 200, **context: Any) -> HttpResponse:
    return page(request, "web/settings/tokens.html",
                {"tokens": list(_mine(request).order_by("id")), "errors": {}, **context}, status=status)


@member_page()
def tokens(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        name = request.POST.get("name", "").strip()
        if not name:
            return _tokens_page(request, status=400, errors={"name": [_("is required")]})
        token, raw = accounts.issue_token(request.member, name[:100])
        response = _tokens_page(request, status=201, created=token, raw=raw)
        response["Cache-Control"] = "no-store"
        return response
    return _tokens_page(request)


@require_POST
@member_page()
def revoke(request: HttpRequest, pk: int) -> HttpResponse:
    token = _mine(request).filter(pk=pk).first()
    if token is None:
        return refused(request, NotFound())
    accounts.revoke_token(token)
    messages.success(request, _("The token %(name)s was revoked.") % {"name": token.name})
    return redirect("web:tokens")
