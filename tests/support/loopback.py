"""A real HTTP server on 127.0.0.1 for tests of code that calls out: connectors, flow steps, the HTTP client.

Every request is recorded (``requests``: method, path, query, headers, body)
and answered from a script per path::

    with LoopbackServer() as server:
        server.answer("/orders", (503, {"error": "busy"}), (201, {"id": 7}))
        server.answer("*", Answer(200, b"plain", headers={"X-Trace": "t1"}))
        server.route("/slow", lambda request, server: ...)   # write the answer by hand

Answers to a path are used in order, the last one repeating; ``"*"`` answers
every path without a script of its own, and a path with neither gets
``200 {"ok": true}``. A body that is not ``bytes`` is sent as JSON.
``hold(path)`` keeps the next request there unanswered (``arrived`` is set)
until ``release`` is set, so a test knows that a caller is in the middle of it.

Reaching the server is the caller's business: Weft's HTTP client refuses
loopback unless the settings or an allow-list let it through.
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

ANY_PATH = "*"


class Headers(dict):
    """Request headers under lower-cased names, looked up in any case (``h["X-Token"] == h["x-token"]``)."""

    def __init__(self, items: Mapping[str, str] | None = None) -> None:
        super().__init__({name.lower(): value for name, value in (items or {}).items()})

    def __getitem__(self, name: str) -> str:
        return super().__getitem__(name.lower())

    def __contains__(self, name: object) -> bool:
        return super().__contains__(name.lower() if isinstance(name, str) else name)

    def get(self, name: str, default: Any = None) -> Any:
        return super().get(name.lower(), default)


@dataclass(frozen=True)
class Answer:
    """What the server sends back: ``delay`` seconds after the request arrived (cut short by ``close``)."""

    status: int = 200
    body: Any = field(default_factory=lambda: {"ok": True})
    headers: Mapping[str, str] = field(default_factory=dict)
    delay: float = 0.0

    def encoded(self) -> tuple[bytes, dict[str, str]]:
        if isinstance(self.body, bytes):
            return self.body, {"Content-Type": "application/octet-stream", **self.headers}
        return json.dumps(self.body, ensure_ascii=False).encode(), {"Content-Type": "application/json",
                                                                    **self.headers}


def redirect(location: str, status: int = 302, delay: float = 0.0) -> Answer:
    return Answer(status, b"", {"Location": location}, delay)


Route = Callable[[BaseHTTPRequestHandler, "LoopbackServer"], None]
Scripted = Answer | tuple


def _as_answer(given: Scripted) -> Answer:
    """``Answer`` or the short form ``(status, body[, headers])``."""
    return given if isinstance(given, Answer) else Answer(*given)


class LoopbackServer:
    """One server on a free port; serving from ``start()`` (or ``with``) until ``close()``."""

    def __init__(self) -> None:
        self.requests: list[dict[str, Any]] = []
        self.script: dict[str, list[Scripted]] = {}
        self.routes: dict[str, Route] = {}
        self.hooks: dict[str, Callable[[], None]] = {}
        self.held: str | None = None
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.closing = threading.Event()
        self.lock = threading.Lock()
        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), _handler(self))
        self.httpd.daemon_threads = True
        self.port: int = self.httpd.server_address[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self._thread: threading.Thread | None = None

    # --- programming it ------------------------------------------------------------------------------

    def answer(self, path: str, *answers: Scripted) -> None:
        """Answer ``path`` (or ``"*"``) with these, in order, the last one repeating."""
        with self.lock:
            self.script[path] = [_as_answer(a) for a in answers]

    def route(self, path: str, handler: Route) -> None:
        """Answer ``path`` by calling ``handler(request, server)``: for answers no script can give."""
        self.routes[path] = handler

    def hold(self, path: str) -> None:
        """The next request at ``path`` sets ``arrived`` and gets its answer only once ``release`` is set."""
        self.held = path
        self.arrived.clear()
        self.release.clear()

    def on_request(self, path: str, func: Callable[[], None]) -> None:
        """Call ``func()`` in the server's thread whenever a request arrives at ``path``."""
        self.hooks[path] = func

    # --- what it received -----------------------------------------------------------------------------

    def calls(self, path: str) -> list[dict[str, Any]]:
        with self.lock:
            return [r for r in self.requests if r["path"] == path]

    # --- running it -----------------------------------------------------------------------------------

    def start(self) -> LoopbackServer:
        if self._thread is not None:
            return self
        self._thread = threading.Thread(target=self.httpd.serve_forever, args=(0.05,), daemon=True)
        self._thread.start()
        return self

    def close(self) -> None:
        """Stop serving: requests held or waiting out a delay are let go first."""
        if self.closing.is_set():
            return
        self.closing.set()
        self.release.set()
        if self._thread is not None:
            self.httpd.shutdown()
            self._thread.join(timeout=10)
        self.httpd.server_close()

    def __enter__(self) -> LoopbackServer:
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.close()

    # --- answering (in the server's threads) ----------------------------------------------------------

    def _next_answer(self, path: str) -> Answer:
        with self.lock:
            answers = self.script.get(path) or self.script.get(ANY_PATH) or [Answer()]
            return _as_answer(answers.pop(0) if len(answers) > 1 else answers[0])

    def _serve(self, request: BaseHTTPRequestHandler) -> None:
        length = int(request.headers.get("Content-Length") or 0)
        body = request.rfile.read(length) if length else b""
        path, _, query = request.path.partition("?")
        with self.lock:
            self.requests.append({"method": request.command, "path": path, "query": query,
                                  "headers": Headers(request.headers), "body": body})
        if path in self.hooks:
            self.hooks[path]()
        if path == self.held:
            self.arrived.set()
            self.release.wait(timeout=300)
        if path in self.routes:
            self.routes[path](request, self)
            return
        answer = self._next_answer(path)
        if answer.delay:
            self.closing.wait(answer.delay)
        data, headers = answer.encoded()
        try:
            request.send_response(answer.status)
            for name, value in headers.items():
                request.send_header(name, value)
            request.send_header("Content-Length", str(len(data)))
            request.end_headers()
            request.wfile.write(data)
        except OSError:  # the caller is gone (timed out, or a killed worker)
            pass


def _handler(server: LoopbackServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        def log_message(self, *args: Any) -> None:
            return None

        def _serve(self) -> None:
            server._serve(self)

        do_GET = do_POST = do_PUT = do_PATCH = do_DELETE = do_HEAD = _serve

    return Handler


def loopback_servers() -> Iterator[Callable[[], LoopbackServer]]:
    """Body of a fixture giving ``start()`` for as many started servers as a test needs; all closed after."""
    started: list[LoopbackServer] = []

    def start() -> LoopbackServer:
        started.append(LoopbackServer().start())
        return started[-1]

    try:
        yield start
    finally:
        for server in started:
            server.close()
