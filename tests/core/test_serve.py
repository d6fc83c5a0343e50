"""``manage.py serve`` end to end: the real web server (uvicorn, or daphne without it), Celery worker and beat.

The server runs on the embedded stack (SQLite and the filesystem broker) in a
temporary ``WEFT_VAR_DIR``, whatever the test run itself uses; when the run has a
Redis broker, the same is checked on Redis too (on a database of its own).
"""

from __future__ import annotations

import json
import os
import re
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from collections.abc import Callable, Iterator
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

from apps.core.management.commands.serve import web_command
from apps.core.tasks import PURGE_IDEMPOTENCY_KEYS

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHILDREN = ("web", "worker", "beat")
# Settings that would point the server at the test run's own services.
NOT_INHERITED = ("DATABASE_URL", "REDIS_URL", "CELERY_BROKER_URL", "CELERY_TASK_ALWAYS_EAGER")
REDIS_TEST_DB = "15"


def _brokers() -> list:
    cases = [pytest.param(None, id="filesystem")]
    url = os.environ.get("CELERY_BROKER_URL", "")
    if url.startswith("redis://"):
        cases.append(pytest.param(urlunsplit(urlsplit(url)._replace(path="/" + REDIS_TEST_DB)), id="redis"))
    return cases


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _processes_with(marker: str) -> list[int]:
    """PIDs of live processes whose environment contains ``marker`` (children and theirs)."""
    pids = []
    for environ in Path("/proc").glob("[0-9]*/environ"):
        try:
            if marker.encode() in environ.read_bytes().split(b"\0"):
                pids.append(int(environ.parent.name))
        except OSError:  # gone, or not ours to read
            continue
    return pids


class Served:
    """A running ``manage.py serve`` whose output is collected line by line."""

    def __init__(self, env: dict[str, str], port: int):
        self.env, self.port, self.lines = env, port, []
        self.process = subprocess.Popen(
            [sys.executable, "manage.py", "serve", "--port", str(port), "--stop-timeout", "30"],
            cwd=ROOT, env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            text=True, start_new_session=True,
        )
        threading.Thread(target=self._collect, daemon=True).start()

    def _collect(self) -> None:
        assert self.process.stdout is not None
        for line in self.process.stdout:
            self.lines.append(line.rstrip("\n"))

    @property
    def output(self) -> str:
        return "\n".join(self.lines)

    def wait_for(self, what: str, check: Callable[[], bool], timeout: float = 60) -> None:
        deadline = time.monotonic() + timeout
        while not check():
            assert self.process.poll() is None, f"serve exited while waiting for {what}:\n{self.output}"
            assert time.monotonic() < deadline, f"timed out waiting for {what}:\n{self.output}"
            time.sleep(0.25)

    def get(self, path: str) -> int:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{self.port}{path}", timeout=5) as response:
                return response.status
        except urllib.error.HTTPError as error:
            return error.code
        except OSError:
            return 0

    def post(self, path: str, body: bytes) -> tuple[int, dict]:
        request = urllib.request.Request(f"http://127.0.0.1:{self.port}{path}", data=body,
                                         headers={"Content-Type": "application/json"})
        try:
            with urllib.request.urlopen(request, timeout=5) as response:
                return response.status, json.loads(response.read() or b"{}")
        except urllib.error.HTTPError as error:
            return error.code, json.loads(error.read() or b"{}")

    def celery(self, *args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run([sys.executable, "-m", "celery", "-A", "apps", *args], cwd=ROOT, env=self.env,
                              capture_output=True, text=True, timeout=60)


@pytest.fixture(params=_brokers())
def served(request, tmp_path: Path) -> Iterator[Served]:
    var = tmp_path / "var"
    env = {k: v for k, v in os.environ.items() if k not in NOT_INHERITED}
    env |= {"WEFT_VAR_DIR": str(var), "PYTHONUNBUFFERED": "1"}
    if request.param:
        env["CELERY_BROKER_URL"] = request.param
    subprocess.run([sys.executable, "manage.py", "migrate", "--noinput", "-v0"], cwd=ROOT, env=env,
                   check=True, timeout=180)
    server = Served(env, _free_port())
    try:
        yield server
    finally:
        if server.process.poll() is None:
            os.killpg(server.process.pid, signal.SIGKILL)
        for pid in _processes_with(f"WEFT_VAR_DIR={var}"):
            os.kill(pid, signal.SIGKILL)


def test_serve_runs_web_worker_and_beat_and_stops_them_on_ctrl_c(served: Served):
    served.wait_for("the API", lambda: served.get("/api/schema/") == 200)
    assert served.get("/static/admin/css/base.css") == 200  # collected, served by whitenoise
    assert (Path(served.env["WEFT_VAR_DIR"]) / "staticfiles" / "admin" / "css" / "base.css").is_file()
    status, answer = served.post("/api/v1/hooks/in/no-such-token/", b"{}")  # the intake route, before Django
    assert status == 404 and answer["code"] == "endpoint_not_found"

    worker = f"weft@{socket.gethostname()}"
    served.wait_for("the worker's pong", lambda: "pong" in served.celery(
        "inspect", "ping", "-d", worker, "-t", "2").stdout)

    sent = served.celery("call", PURGE_IDEMPOTENCY_KEYS)
    assert sent.returncode == 0, sent.stderr
    task_id = sent.stdout.strip()
    served.wait_for("the task to run", lambda: re.search(rf"{task_id}\] succeeded", served.output) is not None)
    served.wait_for("beat", lambda: "beat: Starting..." in served.output)

    pids = {name: int(pid) for name, pid in re.findall(r"started (\w+) \(pid (\d+)\)", served.output)}
    assert set(pids) == set(CHILDREN)

    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=60) == 0, served.output
    for name in ("worker", "beat"):
        assert f"{name} exited with code 0" in served.output, served.output
    # uvicorn stops gracefully, then raises the SIGTERM it was sent again so that its parent sees why it ended.
    assert "web exited with code 0" in served.output or (
        f"web exited with signal {signal.SIGTERM.value} (SIGTERM)" in served.output
        and "Finished server process" in served.output), served.output
    if Path("/proc/self/environ").exists():
        assert _processes_with(f"WEFT_VAR_DIR={served.env['WEFT_VAR_DIR']}") == []


def test_a_worker_killed_with_sigkill_is_restarted_while_web_and_beat_keep_running(served: Served):
    worker = f"weft@{socket.gethostname()}"
    served.wait_for("the API", lambda: served.get("/api/schema/") == 200)
    served.wait_for("the worker's pong", lambda: "pong" in served.celery(
        "inspect", "ping", "-d", worker, "-t", "2").stdout)
    started = dict(re.findall(r"started (\w+) \(pid (\d+)\)", served.output))

    os.kill(int(started["worker"]), signal.SIGKILL)

    served.wait_for("the worker to restart", lambda: len(re.findall(r"started worker \(pid", served.output)) == 2)
    assert f"worker (pid {started['worker']}) exited unexpectedly with signal 9 (SIGKILL)" in served.output
    served.wait_for("the new worker's pong", lambda: "pong" in served.celery(
        "inspect", "ping", "-d", worker, "-t", "2").stdout)
    assert served.get("/api/schema/") == 200
    assert dict(re.findall(r"started (web|beat) \(pid (\d+)\)", served.output)) == {
        "web": started["web"], "beat": started["beat"]}
    assert not re.search(r"^serve +\| (web|beat) ", served.output, re.MULTILINE), served.output

    served.process.send_signal(signal.SIGINT)
    assert served.process.wait(timeout=60) == 0, served.output


def test_the_web_server_is_uvicorn_when_installed_else_daphne(monkeypatch):
    import importlib.util

    pytest.importorskip("uvicorn")
    one = web_command("127.0.0.1", 8123)
    assert one[2:5] == ["uvicorn", "apps.asgi:application", "--host"] and "--workers" not in one
    assert "--no-access-log" in one
    two = web_command("127.0.0.1", 8123, 2, access_log=True)
    assert two[two.index("--workers") + 1] == "2" and "--no-access-log" not in two
    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None if name == "uvicorn" else real(name, *a))
    assert web_command("127.0.0.1", 8123)[2:] == ["daphne", "-b", "127.0.0.1", "-p", "8123", "apps.asgi:application"]
