"""Real Celery worker and beat processes for tests, on the test database and a private queue.

Use ``celery_worker`` / ``celery_beat`` in a ``@pytest.mark.django_db(transaction=True)``
test (they need committed data; ``worker_env`` requests ``transactional_db``).
What the test process enqueues reaches only its own worker:

- the database: ``DATABASE_URL`` built from the test connection's settings
  (a file SQLite database or PostgreSQL; an in-memory database cannot be shared);
- the broker: the filesystem broker in a temporary ``WEFT_VAR_DIR``, or the
  Redis of ``CELERY_BROKER_URL``; either way queues named for the test (the
  routed queues under a ``WEFT_CELERY_QUEUE_PREFIX`` of the test's own, and a
  default queue), set in this process for the test's duration and in the
  children by starting them through this module (``python -m tests.support.workers worker ...``).
  A worker consumes every queue.

Processes run in their own session and are stopped at teardown (SIGTERM, then
SIGKILL of the whole group), also when the test failed. ``CeleryProcess.kill()``
simulates a crash.
"""

from __future__ import annotations

import contextlib
import os
import signal
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import kombu.pools
import pytest

QUEUE_ENV = "WEFT_TEST_CELERY_QUEUE"
BASE_DIR = Path(__file__).resolve().parents[2]


@dataclass
class CeleryProcess:
    name: str
    process: subprocess.Popen
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    @property
    def running(self) -> bool:
        return self.process.poll() is None

    def wait_for(self, text: str, timeout: float = 60.0) -> None:
        """Block until ``text`` appears in the log; fail with the log's end if it does not (or the process died)."""
        deadline = time.monotonic() + timeout
        while text not in self.log():
            if not self.running or time.monotonic() > deadline:
                state = "exited" if not self.running else f"did not print {text!r} within {timeout:.0f} s"
                raise AssertionError(f"celery {self.name} {state}; log:\n{self.log()[-4000:]}")
            time.sleep(0.1)

    def _signal_group(self, sig: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.process.pid, sig)

    def kill(self) -> None:
        """SIGKILL the process and its children at once, like a crash or an OOM kill."""
        self._signal_group(signal.SIGKILL)
        self.process.wait(timeout=10)

    def stop(self, timeout: float = 10.0) -> int:
        """Warm shutdown of the main process (it stops its own children), then SIGKILL of whatever is left."""
        if self.running:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=timeout)
            except subprocess.TimeoutExpired:
                self._signal_group(signal.SIGKILL)
                self.process.wait(timeout=10)
        self._signal_group(signal.SIGKILL)  # prefork children that outlived their parent
        return self.process.returncode


def database_url(settings_dict: dict) -> str:
    """A ``DATABASE_URL`` for the database ``settings_dict`` describes (the test database once set up)."""
    engine, name = settings_dict["ENGINE"], str(settings_dict["NAME"])
    if engine.endswith("sqlite3"):
        if not name or name == ":memory:" or name.startswith("file:"):
            pytest.skip("a worker process needs a file-based SQLite test database")
        return f"sqlite:///{Path(name).resolve()}"
    if "postgresql" in engine:
        user = quote(settings_dict.get("USER") or "", safe="")
        password = quote(settings_dict.get("PASSWORD") or "", safe="")
        auth = f"{user}:{password}@" if password else (f"{user}@" if user else "")
        host = settings_dict.get("HOST") or "localhost"
        port = f":{settings_dict['PORT']}" if settings_dict.get("PORT") else ""
        return f"postgres://{auth}{host}{port}/{quote(name, safe='')}"
    pytest.skip(f"no worker support for the {engine} database backend")
    raise AssertionError  # unreachable: skip raises


def _reset_broker_connections(app) -> None:
    """Make the app build its connection and producer pools, queues and router again from its config."""
    pool = app._pool
    app._pool = None
    if pool is not None:
        pool.force_close_all()
    app.__dict__.pop("amqp", None)
    kombu.pools.reset()


def test_queues(env: dict[str, str]) -> list[str]:
    """Every queue a test's worker consumes: the routed ones (under the test's prefix) and the default one."""
    from apps.core import queues

    return [*queues.all_queues(), env[QUEUE_ENV]]


@pytest.fixture
def worker_env(transactional_db, tmp_path, settings) -> Iterator[dict[str, str]]:
    """Environment for worker and beat processes; routes this process's task messages to them meanwhile."""
    from django.db import connection

    from apps.celery import app

    var_dir = tmp_path / "var"
    queue = f"weft-test-{uuid.uuid4().hex[:12]}"
    settings.WEFT_CELERY_QUEUE_PREFIX = f"{queue}-"
    env = {**os.environ, "DATABASE_URL": database_url(connection.settings_dict), "WEFT_VAR_DIR": str(var_dir),
           QUEUE_ENV: queue, "WEFT_CELERY_QUEUE_PREFIX": f"{queue}-", "PYTHONUNBUFFERED": "1",
           "DJANGO_SETTINGS_MODULE": "apps.settings", "CELERY_TASK_ALWAYS_EAGER": "false"}
    saved = {key: app.conf[key] for key in ("broker_transport_options", "task_default_queue")}
    if str(app.conf.broker_url).startswith("filesystem://"):
        folders = {name: var_dir / "broker" / name for name in ("queue", "processed", "control")}
        for folder in folders.values():
            folder.mkdir(parents=True, exist_ok=True)
        app.conf.broker_transport_options = {
            "data_folder_in": str(folders["queue"]), "data_folder_out": str(folders["queue"]),
            "processed_folder": str(folders["processed"]), "store_processed": False,
            "control_folder": str(folders["control"])}
    app.conf.task_default_queue = queue
    _reset_broker_connections(app)
    try:
        yield env
    finally:
        if not str(app.conf.broker_url).startswith("filesystem://"):
            for name in test_queues(env):
                _delete_queue(app, name)
        for key, value in saved.items():
            app.conf[key] = value
        _reset_broker_connections(app)


def _delete_queue(app, queue: str) -> None:
    with contextlib.suppress(Exception), app.connection_for_write() as conn:  # cleanup only
        conn.default_channel.queue_delete(queue)


def start(kind: str, env: dict[str, str], log_dir: Path, *args: str) -> CeleryProcess:
    """Start ``celery <kind> <args>`` through this module, in its own session, logging to a file."""
    log_path = log_dir / f"celery-{kind}-{uuid.uuid4().hex[:6]}.log"
    with open(log_path, "wb") as log:
        process = subprocess.Popen([sys.executable, "-m", "tests.support.workers", kind, *args], cwd=str(BASE_DIR),
                                   env=env, stdout=log, stderr=subprocess.STDOUT, start_new_session=True)
    return CeleryProcess(kind, process, log_path)


def start_worker(env: dict[str, str], log_dir: Path, *, concurrency: int = 2, pool: str = "prefork") -> CeleryProcess:
    worker = start("worker", env, log_dir, "-n", f"{env[QUEUE_ENV]}@%h", "-Q", ",".join(test_queues(env)), "-l", "info",
                   "-P", pool, "-c", str(concurrency), "--without-mingle", "--without-gossip",
                   "--without-heartbeat")
    try:
        worker.wait_for(" ready.")
    except BaseException:
        worker.stop()
        raise
    return worker


def start_beat(env: dict[str, str], log_dir: Path, *, timeout: float = 60.0) -> CeleryProcess:
    """Beat with the DatabaseScheduler (from settings), looking for schedule changes every second.

    The scheduler notices a change only relative to a change stamp it has
    already seen, so a schedule saved right after beat starts can go unnoticed
    for minutes. Return only once beat has noticed a change of ours: from then
    on every saved schedule is picked up within a second.
    """
    from django_celery_beat.models import PeriodicTasks

    beat = start("beat", env, log_dir, "-l", "info", "-s", str(log_dir / "celerybeat-schedule"),
                 "--max-interval", "1")
    try:
        beat.wait_for("beat: Starting...", timeout)
        deadline = time.monotonic() + timeout
        while "Schedule changed" not in beat.log():
            PeriodicTasks.update_changed()
            if time.monotonic() > deadline or not beat.running:
                raise AssertionError(f"celery beat never noticed a schedule change; log:\n{beat.log()[-4000:]}")
            time.sleep(0.5)
    except BaseException:
        beat.stop()
        raise
    return beat


@pytest.fixture
def celery_worker(worker_env, tmp_path) -> Iterator[CeleryProcess]:
    worker = start_worker(worker_env, tmp_path)
    try:
        yield worker
    finally:
        worker.stop()


@pytest.fixture
def celery_beat(worker_env, tmp_path) -> Iterator[CeleryProcess]:
    beat = start_beat(worker_env, tmp_path)
    try:
        yield beat
    finally:
        beat.stop()


def main(argv: list[str]) -> int:
    """``python -m tests.support.workers worker|beat ...``: celery with the test's queue as its default."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.settings")
    from apps.celery import app

    if os.environ.get(QUEUE_ENV):
        app.conf.task_default_queue = os.environ[QUEUE_ENV]
    if str(app.conf.broker_url).startswith("filesystem://"):
        app.conf.broker_transport_options = {**app.conf.broker_transport_options, "polling_interval": 0.1}
    return app.start(argv) or 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
