"""Fixtures of the engine tests: flows saved by the service, a stand-in broker, a loopback HTTP server.

``engine`` replaces the Celery task with a list of run ids (what would have
been sent to the broker) and executes them in-process on ``drain()``, as a
worker would. The crash test uses the real worker fixtures of
``tests/support/workers.py`` instead (re-exported here).
"""

from __future__ import annotations

import itertools
import json
import threading
from collections.abc import Callable, Iterator
from datetime import timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from django.utils import timezone

from apps.flows import services, tasks
from apps.flows.engine import runner
from apps.flows.models import Flow, Run, StepRun, Wait
from tests.support.workers import celery_worker, worker_env  # noqa: F401

_seq = itertools.count(1)

ORDER_FIELDS = [{"key": "title", "type": "text"}, {"key": "note", "type": "text"}]
STOCK_FIELDS = [{"key": "sku", "type": "text", "required": True}, {"key": "available", "type": "counter", "min": 0}]


class Engine:
    """Stands in for the broker and a worker: ``delay`` records run ids, ``drain`` executes them in order."""

    def __init__(self) -> None:
        self.enqueued: list[int] = []
        self.executed: list[int] = []

    def delay(self, run_id: int) -> None:
        self.enqueued.append(run_id)

    def take(self) -> list[int]:
        """What was sent since the last look, removing it from the queue (like a lost message)."""
        ids = list(self.enqueued)
        self.enqueued.clear()
        return ids

    def step(self) -> str | None:
        """Execute the oldest message; a message whose run cannot be claimed does nothing (returns None)."""
        run_id = self.enqueued.pop(0)
        self.executed.append(run_id)
        return runner.execute(run_id)

    def drain(self, limit: int = 500) -> list[str | None]:
        """Execute messages until none is left, including those sent meanwhile."""
        outcomes = []
        while self.enqueued:
            assert len(outcomes) < limit, "the queue never drained"
            outcomes.append(self.step())
        return outcomes

    @staticmethod
    def steps(run: Run) -> dict[str, StepRun]:
        return {row.path: row for row in StepRun.objects.filter(run=run)}

    @staticmethod
    def due(run: Run) -> None:
        """Move the run's timers into the past instead of sleeping until they are due."""
        past = timezone.now() - timedelta(seconds=1)
        Wait.objects.filter(run=run, resolved_at__isnull=True, wake_at__isnull=False).update(wake_at=past)
        Run.objects.filter(pk=run.pk, wake_at__isnull=False).update(wake_at=past)


@pytest.fixture
def engine(monkeypatch) -> Engine:
    """No broker: runs are executed in-process; record events are dispatched by nobody."""
    fake = Engine()
    monkeypatch.setattr(tasks, "execute_run", fake)
    monkeypatch.setattr(tasks.dispatch_events, "apply_async", lambda *args, **kwargs: None)
    return fake


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, ORDER_FIELDS, key="orders")


@pytest.fixture
def stock(make, workspace):
    return make.form(workspace, STOCK_FIELDS, key="stock", unique_key=["sku"])


@pytest.fixture
def create_flow(workspace, owner) -> Callable[..., Flow]:
    """``create_flow(steps, trigger=..., key=..., settings=...)``: saved (validated, versioned) by the service."""

    def create(steps: list[dict], *, trigger: dict | None = None, key: str | None = None, **extra: Any) -> Flow:
        key = key or f"flow_{next(_seq)}"
        definition = {"key": key, "name": key.replace("_", " ").title(), "trigger": trigger or {"type": "manual"},
                      "steps": steps, **extra}
        return services.create_flow(workspace, definition, member=owner)

    return create


@pytest.fixture
def start(owner) -> Callable[..., Run]:
    """``start(flow, **input)``: queue a run as the manual trigger does."""

    def start_(flow: Flow, **input_: Any) -> Run:
        trigger = {"type": "manual", "by": owner.pk}
        run = runner.start_run(flow, trigger=trigger, input_={**input_, "trigger": trigger}, actor=owner)
        assert run is not None
        return run

    return start_


class Loopback:
    """A real HTTP server on 127.0.0.1 answering from a script per path.

    ``answer(path, (status, body), ...)``: answers consumed in order, the last
    one repeating. ``hold(path)``: the next request there signals ``arrived``
    and is not answered until ``release`` is set, so a test knows for sure that
    a worker is in the middle of that step. ``on_request(path, func)`` calls
    ``func()`` in the server's thread when a request arrives there.
    """

    def __init__(self) -> None:
        self.requests: list[dict] = []
        self.script: dict[str, list[tuple[int, Any]]] = {}
        self.arrived = threading.Event()
        self.release = threading.Event()
        self.release.set()
        self.held: str | None = None
        self.hooks: dict[str, Callable[[], None]] = {}
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args) -> None:
                return None

            def _answer(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                path = self.path.split("?")[0]
                outer.requests.append({"method": self.command, "path": path, "headers": dict(self.headers),
                                       "body": body})
                if path in outer.hooks:
                    outer.hooks[path]()
                if path == outer.held:
                    outer.arrived.set()
                    outer.release.wait(timeout=300)
                answers = outer.script.get(path) or [(200, {"ok": True})]
                status, payload = answers.pop(0) if len(answers) > 1 else answers[0]
                data = json.dumps(payload).encode()
                try:
                    self.send_response(status)
                    self.send_header("Content-Type", "application/json")
                    self.send_header("Content-Length", str(len(data)))
                    self.end_headers()
                    self.wfile.write(data)
                except OSError:  # the client is gone (a killed worker)
                    pass

            do_GET = do_POST = do_PUT = _answer

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.httpd.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"

    def answer(self, path: str, *answers: tuple[int, Any]) -> None:
        self.script[path] = list(answers)

    def hold(self, path: str) -> None:
        self.held = path
        self.arrived.clear()
        self.release.clear()

    def on_request(self, path: str, func: Callable[[], None]) -> None:
        self.hooks[path] = func

    def calls(self, path: str) -> list[dict]:
        return [r for r in self.requests if r["path"] == path]


@pytest.fixture
def loopback() -> Iterator[Loopback]:
    server = Loopback()
    thread = threading.Thread(target=server.httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield server
    finally:
        server.release.set()
        server.httpd.shutdown()
        server.httpd.server_close()


@pytest.fixture
def loopback_allowed(settings):
    """Flows of these tests may call the loopback server (the private-address guard is tested elsewhere)."""
    settings.WEFT_HTTP_ALLOW_PRIVATE = True
