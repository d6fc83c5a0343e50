"""The ASGI application: Django for everything, except the inbound webhook URLs, answered before Django.

``POST /api/v1/hooks/in/<token>/`` and a flow's webhook URL ``/api/v1/hooks/flows/<token>/`` (the
slash may be left off) are the busiest URLs of Weft and need
nothing of Django's request machinery (no session, user, CSRF, URL resolving,
and no hop to a thread per request). It is answered here, in the event loop,
by ``intake.accept_async`` under the same rules as the Django view that keeps
serving it under WSGI and in tests: host check, 405 for other methods, the
body read up to the endpoint's limit, the same JSON answers.
"""

import gc
import json
import os
import re

from django.core.asgi import get_asgi_application

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.settings")
django_asgi_app = get_asgi_application()

from channels.routing import ProtocolTypeRouter  # noqa: E402
from django.conf import settings  # noqa: E402
from django.http.request import split_domain_port, validate_host  # noqa: E402

from apps.connectors.inbound.intake import accept_async  # noqa: E402

HOOK_PATH = re.compile(r"/api/v1/hooks/(in|flows)/([^/]+)/?\Z")  # with or without the trailing slash
_SECURITY = [(b"x-content-type-options", b"nosniff"), (b"referrer-policy", b"same-origin"),
             (b"cross-origin-opener-policy", b"same-origin"), (b"x-frame-options", b"DENY")]


def _allowed_hosts() -> list[str]:
    if settings.DEBUG and not settings.ALLOWED_HOSTS:
        return [".localhost", "127.0.0.1", "[::1]"]
    return list(settings.ALLOWED_HOSTS)



def _headers(scope) -> dict[str, str]:
    """Lower-case names as Django's request.META gives them back (``_`` read as ``-``, repeats joined by ``,``)."""
    headers: dict[str, str] = {}
    for raw_name, raw_value in scope["headers"]:
        name = raw_name.decode("latin-1").lower().replace("_", "-")
        value = raw_value.decode("latin-1")
        headers[name] = f"{headers[name]},{value}" if name in headers else value
    return headers


async def _respond(send, status: int, body: bytes, extra: list[tuple[bytes, bytes]] = ()) -> None:
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode()),
               *_SECURITY, *extra]
    await send({"type": "http.response.start", "status": status, "headers": headers})
    await send({"type": "http.response.body", "body": body})


def _body_reader(receive):
    async def read(limit: int) -> bytes | None:
        chunks, size, more = [], 0, True
        while more:
            message = await receive()
            if message["type"] == "http.disconnect":
                break
            chunk = message.get("body", b"")
            size += len(chunk)
            if size > limit:
                return None
            chunks.append(chunk)
            more = message.get("more_body", False)
        return b"".join(chunks)

    return read


async def _intake(scope, receive, send, token: str, *, flow: bool = False) -> None:
    headers = _headers(scope)
    server = scope.get("server") or ("", None)
    domain, _port = split_domain_port(headers.get("host") or str(server[0] or ""))
    if not domain or not validate_host(domain, _allowed_hosts()):
        await _respond(send, 400, b'{"code": "bad_request"}')
        return
    if scope["method"] != "POST":
        await _respond(send, 405, b"", [(b"allow", b"POST")])
        return
    length = headers.pop("content-length", "")  # not a header Django's view sees either
    declared = int(length) if length.isdigit() else None
    status, payload = await accept_async(token, headers, _body_reader(receive), declared_length=declared,
                                         flow=flow)
    await _respond(send, status, json.dumps(payload).encode())


def hooks_first(app):
    """Answer the intake URL here and pass every other request (and every other protocol) to ``app``."""

    async def application(scope, receive, send):
        if scope["type"] == "http" and not scope.get("root_path"):
            match = HOOK_PATH.match(scope["path"])
            if match:
                await _intake(scope, receive, send, match.group(2), flow=match.group(1) == "flows")
                return
        await app(scope, receive, send)

    return application


application = ProtocolTypeRouter({"http": hooks_first(django_asgi_app)})

# Everything loaded so far lives as long as the process: keep it out of the cyclic
# collector, whose full passes over Django's objects otherwise stall every request
# in flight for 100 ms and more under load.
gc.collect()
gc.freeze()
