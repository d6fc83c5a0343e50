"""The processes ``bench/webhooks.py`` measures: the web server as ``manage.py serve`` starts it, and a Celery worker.

Why the web command comes from ``serve.children()``: the figure must be the
one a ``make run`` user gets, whatever server and process count that command
chooses; only the address and the ASGI module (``_webhooks_asgi``, Weft's own
application plus the baseline URL) are replaced.

The broker is private to the run: the filesystem broker lives in the
temporary ``WEFT_VAR_DIR``; on Redis the bench uses its own database number
(``WEFT_BENCH_REDIS_DB``, default 12) and a queue named after its pid, and
deletes that queue's keys at exit.

Run as ``python bench/_webhooks_stack.py worker <celery worker args>`` it is
the worker child: ``celery worker`` on the run's queue. ``WEFT_BENCH_KEEP_LOGS=DIR``
keeps the children's logs there (the temporary folder is removed at exit).
"""

from __future__ import annotations

import contextlib
import http.client
import os
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import _support as sup

BENCH_DIR = Path(__file__).resolve().parent
BASE_DIR = BENCH_DIR.parent
QUEUE_ENV = "WEFT_BENCH_QUEUE"
REDIS_DB_ENV = "WEFT_BENCH_REDIS_DB"
KEEP_LOGS_ENV = "WEFT_BENCH_KEEP_LOGS"
DEFAULT_REDIS_DB = 12


def worker_main(argv: list[str]) -> int:
    """A Celery worker on this run's queue, importing Django itself exactly as ``celery -A apps worker`` does."""
    sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.settings")
    from apps.celery import app

    app.conf.task_default_queue = os.environ[QUEUE_ENV]
    app.conf.task_routes = None  # every task to this run's queue, not the per-kind queues
    app.conf.worker_enable_remote_control = False
    app.worker_main(["worker", *argv])
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["worker"]:
    sys.exit(worker_main(sys.argv[2:]))


@dataclass
class Broker:
    kind: str
    url: str
    queue: str

    def describe(self) -> str:
        if self.kind == "filesystem":
            return f"filesystem (kombu) in the temporary WEFT_VAR_DIR, queue {self.queue}"
        parts = urlsplit(self.url)
        return f"redis {parts.hostname}:{parts.port or 6379}{parts.path}, queue {self.queue}"


def choose_broker() -> Broker:
    """Before Django loads settings: a Redis broker (CELERY_BROKER_URL or REDIS_URL) on the bench's own db, else files."""
    url = os.environ.get("CELERY_BROKER_URL", "") or os.environ.get("REDIS_URL", "")
    queue = f"weft-bench-hooks-{os.getpid()}"
    os.environ[QUEUE_ENV] = queue
    if url.startswith(("redis://", "rediss://")):
        parts = urlsplit(url)
        db = int(os.environ.get(REDIS_DB_ENV, DEFAULT_REDIS_DB))
        url = urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))
        os.environ["CELERY_BROKER_URL"] = url
        return Broker("redis", url, queue)
    os.environ["CELERY_BROKER_URL"] = "filesystem://"
    return Broker("filesystem", "filesystem://", queue)


def route_here(broker: Broker) -> None:
    """This process's own task messages (if any) go to the run's queue too."""
    from apps.celery import app

    app.conf.task_default_queue = broker.queue
    app.conf.task_routes = None
    app.conf.worker_enable_remote_control = False


def delete_queue(broker: Broker) -> None:
    """At exit, on Redis: every key that names this run's queue (the queue carries the pid)."""
    if broker.kind != "redis":
        return
    sup.delete_redis_keys(broker.url, broker.queue)


# --- processes ----------------------------------------------------------------------------------------


@dataclass
class Proc:
    """A child started in its own process group (a server's workers, a prefork pool), with its log."""

    name: str
    proc: subprocess.Popen
    log: Path
    argv: list[str]

    @property
    def pid(self) -> int:
        return self.proc.pid

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def tail(self, lines: int = 30) -> str:
        return "\n".join(self.text().splitlines()[-lines:])

    def stop(self, timeout: float = 15.0) -> None:
        """SIGTERM (a graceful stop, as Ctrl-C under ``serve``), then SIGKILL of the whole group."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):
                self.proc.wait(timeout=timeout)
        with contextlib.suppress(ProcessLookupError, PermissionError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)
        keep = os.environ.get(KEEP_LOGS_ENV)
        if keep and self.log.exists():
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(self.log, Path(keep) / f"{os.getpid()}-{self.log.name}")


_live: list[Proc] = []


def stop_all() -> None:
    while _live:
        _live.pop().stop()


def _spawn(name: str, argv: list[str], env: dict[str, str], var_dir: Path) -> Proc:
    log = var_dir / f"{name}-{len(_live)}.log"
    with log.open("wb") as out:
        proc = subprocess.Popen(argv, cwd=str(BASE_DIR), env=env, stdout=out, stderr=subprocess.STDOUT,
                                stdin=subprocess.DEVNULL, start_new_session=True)
    child = Proc(name, proc, log, argv)
    _live.append(child)
    return child


def _env(db_env: dict[str, str], broker: Broker) -> dict[str, str]:
    python_path = os.pathsep.join(p for p in (str(BENCH_DIR), str(BASE_DIR), db_env.get("PYTHONPATH", "")) if p)
    return {**db_env, "PYTHONUNBUFFERED": "1", QUEUE_ENV: broker.queue, "CELERY_BROKER_URL": broker.url,
            "CELERY_TASK_ALWAYS_EAGER": "false", "PYTHONPATH": python_path}


def web_argv(host: str, port: int, processes: int | None = None) -> list[str]:
    """The web child of ``manage.py serve`` (its default process count unless given), serving the bench's module."""
    from apps.core.management.commands.serve import children

    if processes is None:
        processes = int(os.environ.get("WEFT_WEB_PROCESSES", "1"))
    try:
        found = children(host, port, 2, processes)
    except TypeError:  # a ``serve`` of one web process only
        found = children(host, port, 2)
    web = next(c for c in found if c.name == "web")
    return [("_webhooks_asgi:application" if arg == "apps.asgi:application" else arg) for arg in web.argv]


def start_web(db_env: dict[str, str], broker: Broker, var_dir: Path, port: int, processes: int | None = None,
              timeout: float = 60.0) -> Proc:
    """Start the web server and wait until the baseline URL answers."""
    from _webhooks_asgi import NOOP_PATH

    web = _spawn("web", web_argv("127.0.0.1", port, processes), _env(db_env, broker), var_dir)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if web.proc.poll() is not None:
            raise RuntimeError(f"the web server exited with {web.proc.returncode}:\n{web.tail()}")
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("POST", NOOP_PATH, body=b"{}")
            conn.getresponse().read()
            conn.close()
            return web
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"the web server did not answer within {timeout:.0f} s:\n{web.tail()}")


def start_worker(db_env: dict[str, str], broker: Broker, var_dir: Path, concurrency: int = 2,
                 timeout: float = 60.0) -> Proc:
    """A prefork worker with ``concurrency`` processes, as ``manage.py serve`` starts one (default 2)."""
    argv = [sys.executable, str(Path(__file__).resolve()), "worker", "-n", f"hooks-{os.getpid()}@%h",
            "-Q", broker.queue, "-c", str(concurrency), "-l", "warning",
            "--without-mingle", "--without-gossip", "--without-heartbeat"]
    env = {**_env(db_env, broker), "LOG_LEVEL": "WARNING"}
    worker = _spawn("worker", argv, env, var_dir)
    deadline = time.monotonic() + timeout
    while not _pool_ready(worker.pid, concurrency):
        if worker.proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"the worker did not start:\n{worker.tail()}")
        time.sleep(0.1)
    time.sleep(0.5)  # the consumer starts right after the pool
    return worker


def _pool_ready(pid: int, concurrency: int) -> bool:
    return len(children_of([pid])) >= 1 + concurrency


# --- CPU ------------------------------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK")


def _stats() -> dict[int, tuple[int, float, str]]:
    """pid -> (parent pid, CPU seconds, command name) of every process."""
    stats = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            raw = Path(entry.path, "stat").read_text()
        except OSError:
            continue
        name = raw[raw.find("(") + 1:raw.rfind(")")]
        fields = raw.rsplit(")", 1)[1].split()
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / _TICKS, name)
    return stats


def children_of(roots: list[int]) -> set[int]:
    """These processes and all their descendants."""
    stats = _stats()
    found = set(roots)
    grew = True
    while grew:
        grew = False
        for pid, (ppid, _cpu, _name) in stats.items():
            if ppid in found and pid not in found:
                found.add(pid)
                grew = True
    return found & (set(stats) | set(roots))


@dataclass
class Cpu:
    wall: float
    groups: dict[str, float]


def cpu_now(procs: dict[str, Proc], postgres: bool) -> Cpu:
    """CPU seconds so far of each process tree (and of every ``postgres`` process when asked)."""
    stats = _stats()
    groups: dict[str, float] = {}
    for label, proc in procs.items():
        tree = children_of([proc.pid])
        groups[label] = sum(stats[pid][1] for pid in tree if pid in stats)
    if postgres:
        groups["pg"] = sum(cpu for _ppid, cpu, name in stats.values() if name == "postgres")
    return Cpu(time.perf_counter(), groups)


def cores(before: Cpu, after: Cpu) -> dict[str, float]:
    wall = max(after.wall - before.wall, 1e-9)
    return {k: max(after.groups.get(k, 0.0) - v, 0.0) / wall for k, v in before.groups.items()}
