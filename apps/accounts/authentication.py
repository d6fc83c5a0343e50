from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from .services import resolve_token


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer weft_...`` (or ``Token weft_...``); the token fixes the workspace."""

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header: expected 'Bearer <token>'."))
        token = resolve_token(header[1])
        if token is None:
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API token."))
        request._weft_member = token.member
        return token.member.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
