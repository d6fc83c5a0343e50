"""The ASGI application the webhook bench serves: Weft's own, plus one trivial URL for the baseline.

``/bench/noop/`` reads the body and answers 202 with a small JSON body, storing
nothing: what the same server, the same process count and the same client
reach when the application does no work. Every other request goes to
``apps.asgi.application`` unchanged, so the intake is measured as served in
production; the wrapper adds one string comparison per request.

The Celery queue is set from ``WEFT_BENCH_QUEUE`` before anything is sent, so
the intake's wake-ups reach the bench's own worker only.
"""

from __future__ import annotations

import os

from apps.asgi import application as weft

NOOP_PATH = "/bench/noop/"
_HEADERS = [(b"content-type", b"application/json"), (b"content-length", b"15")]
_BODY = b'{"delivery": 0}'


def _route_celery() -> None:
    queue = os.environ.get("WEFT_BENCH_QUEUE")
    if queue:
        from apps.celery import app

        app.conf.task_default_queue = queue
        app.conf.task_routes = None  # every task to this run's queue, not the per-kind queues


_route_celery()


async def application(scope, receive, send):
    if scope["type"] == "http" and scope["path"] == NOOP_PATH:
        more = True
        while more:
            message = await receive()
            more = message.get("more_body", False)
        await send({"type": "http.response.start", "status": 202, "headers": _HEADERS})
        await send({"type": "http.response.body", "body": _BODY})
        return
    await weft(scope, receive, send)

