"""A web server killed mid-write (``kill -9``) leaves no key blocked and no write doubled.

The real ASGI server runs in a subprocess on the test database (a file SQLite
database, or PostgreSQL in the PostgreSQL run) with a short claim lease; the
test sends many creates with distinct keys, kills the server while they are in
flight, starts it again and retries every key until it is answered.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import threading
import time
import urllib.error
import urllib.request
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import pytest

from apps.accounts.services import issue_token
from apps.core.management.commands.serve import web_command
from apps.core.models import IdempotencyKey
from apps.forms.models import Record
from tests.support.workers import database_url

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

ROOT = Path(__file__).resolve().parents[2]
LEASE_SECONDS = 2
KEYS = 60


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class WebServer:
    """The ASGI server of ``manage.py serve``, alone, in its own session so it can be killed like a crash."""

    def __init__(self, env: dict[str, str], port: int, log: Path):
        self.port, self.log = port, log
        with open(log, "ab") as out:
            self.process = subprocess.Popen(web_command("127.0.0.1", port), cwd=ROOT, env=env,
                                            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
                                            start_new_session=True)

    def kill(self) -> None:
        if self.process.poll() is None:
            os.killpg(self.process.pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def wait_until_up(self, token: str, timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while call(self.port, token, "GET", "/api/v1/workspace/")[0] != 200:
            assert self.process.poll() is None, f"the server exited:\n{self.log.read_text()[-4000:]}"
            assert time.monotonic() < deadline, f"the server did not answer:\n{self.log.read_text()[-4000:]}"
            time.sleep(0.2)


def call(port: int, token: str, method: str, path: str, body: dict | None = None,
         key: str | None = None) -> tuple[int, dict]:
    """Status and JSON answer; status 0 when the server could not be reached or died before answering."""
    headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json"}
    if key:
        headers["Idempotency-Key"] = key
    data = json.dumps(body).encode() if body is not None else None
    request = urllib.request.Request(f"http://127.0.0.1:{port}{path}", data=data, headers=headers, method=method)
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, json.loads(response.read() or b"{}")
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read() or b"{}")
    except (OSError, ValueError):
        return 0, {}


def in_flight(deadline: float) -> bool:
    """Wait for a claimed key whose request is still running (its claim is committed before the write)."""
    while time.monotonic() < deadline:
        if IdempotencyKey.objects.filter(state=IdempotencyKey.State.IN_FLIGHT).exists():
            return True
    return False


def test_after_a_crash_every_key_is_answered_and_written_exactly_once(make, tmp_path):
    from django.db import connection

    workspace = make.workspace()
    owner = make.owner(workspace)
    make.form(workspace, [{"key": "order_id", "type": "text"}], key="orders")  # no unique key: doubles would show
    _, token = issue_token(owner, "crash")
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), "WEFT_VAR_DIR": str(tmp_path),
           "WEFT_IDEMPOTENCY_LEASE_SECONDS": str(LEASE_SECONDS), "PYTHONUNBUFFERED": "1"}
    env.pop("CELERY_TASK_ALWAYS_EAGER", None)
    port, log = _free_port(), tmp_path / "web.log"
    url = "/api/v1/forms/orders/records/"

    def create(i: int) -> int:
        return call(port, token, "POST", url, {"order_id": f"O-{i}"}, key=f"order-{i}")[0]

    # given a server answering many creates at once
    server = WebServer(env, port, log)
    answered = threading.Event()
    try:
        server.wait_until_up(token)
        done = Counter()

        def create_and_count(i: int) -> int:
            status = create(i)
            done[status] += 1
            if done[201] >= 5:
                answered.set()
            return status

        with ThreadPoolExecutor(max_workers=8) as pool:
            futures = [pool.submit(create_and_count, i) for i in range(KEYS)]
            assert answered.wait(60), f"no creates were answered:\n{log.read_text()[-4000:]}"
            # when it is killed while a write is in flight
            caught = in_flight(time.monotonic() + 30)
            server.kill()
            first = [f.result() for f in futures]
        assert caught and 0 in first, "the server answered everything before it was killed"
    finally:
        server.kill()

    # then, once it is back, a retry of every key gets the first answer or a fresh attempt, within the lease
    server = WebServer(env, port, log)
    try:
        server.wait_until_up(token)
        deadline = time.monotonic() + LEASE_SECONDS + 30
        pending = set(range(KEYS))
        while pending and time.monotonic() < deadline:
            with ThreadPoolExecutor(max_workers=8) as pool:
                answers = dict(zip(sorted(pending), pool.map(create, sorted(pending)), strict=True))
            assert {s for s in answers.values() if s not in (0, 409)} <= {201}, answers
            pending = {i for i, status in answers.items() if status in (0, 409)}
            if pending:
                time.sleep(0.5)
        assert not pending, f"keys still refused after the lease: {sorted(pending)}"
    finally:
        server.kill()

    written = Counter(Record.objects.filter(form__key="orders").values_list("data__order_id", flat=True))
    assert written == Counter({f"O-{i}": 1 for i in range(KEYS)})
