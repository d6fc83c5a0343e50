from __future__ import annotations

from django.utils.translation import gettext_lazy as _
from rest_framework import authentication, exceptions

from . import throttle
from .services import resolve_token

PREFIX_LENGTH = 9  # what a token's hint shows: "weft_" and four characters


class TokenAuthentication(authentication.BaseAuthentication):
    """``Authorization: Bearer weft_...`` (or ``Token weft_...``); the token fixes the workspace.

    Failed tokens are counted per client address and per token prefix; past the
    limit every token from there answers 429 for the rest of the window.
    """

    keywords = ("bearer", "token")

    def authenticate(self, request):
        header = authentication.get_authorization_header(request).decode("latin-1").split()
        if not header or header[0].lower() not in self.keywords:
            return None
        if len(header) != 2:
            raise exceptions.AuthenticationFailed(_("Invalid Authorization header: expected 'Bearer <token>'."))
        address, prefix = throttle.client_address(request), f"token:{header[1][:PREFIX_LENGTH]}"
        wait = throttle.locked_for(address, prefix)
        if wait is not None:
            raise exceptions.Throttled(wait=wait, detail=throttle.message(wait))
        token = resolve_token(header[1])
        if token is None:
            throttle.failed(address, prefix)
            raise exceptions.AuthenticationFailed(_("Invalid or revoked API token."))
        request._weft_member = token.member
        return token.member.user, token

    def authenticate_header(self, request):
        return 'Bearer realm="api"'
