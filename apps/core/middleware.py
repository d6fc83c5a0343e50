"""A ``Content-Security-Policy`` header on every response.

The policy is strict by default (``settings.WEFT_CONTENT_SECURITY_POLICY``:
only this origin, no inline scripts, no plugins, no framing). A page that
cannot live with it gets its own policy by path prefix
(``settings.WEFT_CONTENT_SECURITY_POLICY_PATHS``): the API docs page runs
Swagger UI's inline start-up script. A response that already carries a
policy keeps it.
"""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponse

HEADER = "Content-Security-Policy"


def policy_for(path: str) -> str:
    """The policy of the longest matching path prefix, else the default one ("" sends none)."""
    prefixes = settings.WEFT_CONTENT_SECURITY_POLICY_PATHS
    matching = [prefix for prefix in prefixes if path.startswith(prefix)]
    if matching:
        return prefixes[max(matching, key=len)]
    return settings.WEFT_CONTENT_SECURITY_POLICY


class ContentSecurityPolicyMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        response = self.get_response(request)
        policy = policy_for(request.path_info)
        if policy and HEADER not in response:
            response[HEADER] = policy
        return response
