"""Shared helpers for the scripts in ``bench/``: a throwaway database, a real server, timing, tables.

Why this exists: a benchmark that runs against ``var/weft.sqlite3`` or the
``test`` database would mix its rows with someone's data and its timings with
whatever that data holds. Every bench script therefore calls :func:`setup_django`
*before* importing any model: it points the settings at a database made for this
run only (a fresh SQLite file in a temporary ``WEFT_VAR_DIR``, or a fresh
PostgreSQL database ``weft_bench_<pid>`` created on the server named by
``DATABASE_URL`` and dropped at exit), migrates it, and registers the clean-up.

Run directly (``make bench`` runs every ``bench/*.py``) this module only says
what it is, so it is harmless there.
"""

from __future__ import annotations

import atexit
import contextlib
import http.client
import json
import logging
import os
import platform
import re
import resource
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
BENCH_DB_PREFIX = "weft_bench_"

# Everything to undo at exit, newest first: the server goes before the database it uses.
_cleanup = contextlib.ExitStack()
_cleanup_lock = threading.Lock()


def _run_cleanup() -> None:
    with _cleanup_lock:
        _cleanup.close()


def _on_signal(signum: int, _frame: Any) -> None:
    # SIGTERM does not run atexit handlers by itself; turning it into SystemExit does.
    raise SystemExit(128 + signum)


@dataclass
class BenchDB:
    """Where this run's data lives; ``env`` is what a child process needs to reach the same database."""

    vendor: str
    name: str
    var_dir: Path
    env: dict[str, str]
    server_url: str | None = None

    @property
    def is_postgres(self) -> bool:
        return self.vendor == "postgresql"


def _with_db_name(url: str, name: str) -> str:
    parts = urlsplit(url)
    return urlunsplit((parts.scheme, parts.netloc, "/" + name, parts.query, parts.fragment))


def _admin_connect(url: str):
    """A connection for CREATE/DROP DATABASE: the ``postgres`` maintenance database if we may, else the URL's.

    Connecting to the URL's own database (``test``) only to issue CREATE DATABASE
    leaves its tables alone, which is all we promise.
    """
    import psycopg

    try:
        return psycopg.connect(_with_db_name(url, "postgres"), autocommit=True, connect_timeout=10)
    except psycopg.OperationalError:
        return psycopg.connect(url, autocommit=True, connect_timeout=10)


def _pid_alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _drop_stale(conn, host: str) -> None:
    """Drop ``weft_bench_<pid>`` databases whose process is gone (a run killed with -9 leaves one).

    Only on a server on this machine: a pid means nothing on another host.
    """
    if host not in ("127.0.0.1", "localhost", "::1", ""):
        return
    rows = conn.execute("SELECT datname FROM pg_database WHERE datname LIKE %s",
                        [BENCH_DB_PREFIX + "%"]).fetchall()
    for (name,) in rows:
        match = re.fullmatch(BENCH_DB_PREFIX + r"(\d+)", name)
        if match and int(match.group(1)) != os.getpid() and not _pid_alive(int(match.group(1))):
            with contextlib.suppress(Exception):
                conn.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _create_postgres(url: str) -> tuple[str, str]:
    """Create ``weft_bench_<pid>`` on the server of ``url``; returns (name, url of the new database)."""
    name = f"{BENCH_DB_PREFIX}{os.getpid()}"
    with _admin_connect(url) as conn:
        _drop_stale(conn, urlsplit(url).hostname or "")
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        conn.execute(f'CREATE DATABASE "{name}"')

    def drop() -> None:
        from django.db import connections

        connections.close_all()
        with _admin_connect(url) as admin:
            try:
                admin.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            except Exception:  # PostgreSQL < 13 has no FORCE
                admin.execute(f'DROP DATABASE IF EXISTS "{name}"')

    _cleanup.callback(drop)
    return name, _with_db_name(url, name)


def setup_django(*, migrate: bool = True) -> BenchDB:
    """Point the settings at a database of this run only, ``django.setup()`` and migrate it.

    Must run before any model import. DEBUG is turned off (unless the caller set
    it) because production runs that way and DEBUG keeps every SQL statement in
    memory, which would slow down exactly what we measure.
    """
    if "django" in sys.modules and "django.conf" in sys.modules:
        from django.conf import settings

        if settings.configured:
            raise RuntimeError("setup_django() must run before Django settings are loaded")
    atexit.register(_run_cleanup)
    signal.signal(signal.SIGTERM, _on_signal)
    var_dir = Path(tempfile.mkdtemp(prefix="weft-bench-"))
    _cleanup.callback(shutil.rmtree, var_dir, True)
    os.environ["WEFT_VAR_DIR"] = str(var_dir)
    os.environ["DJANGO_SETTINGS_MODULE"] = "apps.settings"
    os.environ.setdefault("DEBUG", "0")
    os.environ.setdefault("SECRET_KEY", "weft-bench-not-a-secret")
    os.environ.setdefault("WEFT_SECURE_SSL_REDIRECT", "false")  # its servers speak plain HTTP on loopback
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    # Client threads each hold a connection for a whole measurement: size the pool for them.
    os.environ.setdefault("WEFT_DB_POOL_MAX", "90")
    url = os.environ.get("DATABASE_URL", "")
    server_url = None
    if url.startswith(("postgres://", "postgresql://")):
        server_url = url
        name, os.environ["DATABASE_URL"] = _create_postgres(url)
        vendor = "postgresql"
    elif url:
        raise SystemExit(f"bench: unsupported DATABASE_URL scheme: {url.split(':', 1)[0]}")
    else:
        name, vendor = str(var_dir / "weft.sqlite3"), "sqlite"
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    import django

    django.setup()
    # Writes enqueue a Celery task after commit; kombu's one-off notice about the default
    # broker host would land in the middle of the tables.
    logging.getLogger("kombu.connection").setLevel(logging.ERROR)
    if migrate:
        from django.core.management import call_command

        call_command("migrate", verbosity=0, interactive=False)
    return BenchDB(vendor=vendor, name=name, var_dir=var_dir, env=dict(os.environ), server_url=server_url)


def close_db() -> None:
    """Close this thread's Django connection: a finished worker thread must not hold a server slot."""
    from django.db import connection

    connection.close()


def delete_redis_keys(url: str, queue: str) -> None:
    """At exit: every key that names this run's queue (it carries the pid), and its reserved messages.

    kombu's ``queue_delete`` leaves ``_kombu.binding*`` keys and, when a worker
    stopped with messages reserved, entries in the shared ``unacked`` hash.
    """
    with contextlib.suppress(Exception):  # clean-up only: a broker gone at exit must not hide the figures
        import redis

        client = redis.Redis.from_url(url)
        keys = list(client.scan_iter(match=f"*{queue}*", count=1000))
        if keys:
            client.delete(*keys)
        for tag, payload in client.hscan_iter("unacked"):
            if queue.encode() in payload:
                client.hdel("unacked", tag)
                client.zrem("unacked_index", tag)


# --- machine facts ---------------------------------------------------------------------------


def machine_facts() -> list[tuple[str, str]]:
    """What a reader needs to compare these figures with another run: cores, CPU, database and versions."""
    import django
    from django.db import connection

    cpu = "?"
    with contextlib.suppress(OSError):
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    memory = "?"
    with contextlib.suppress(OSError, ValueError, IndexError):
        kib = int(Path("/proc/meminfo").read_text().split("\n")[0].split()[1])
        memory = f"{kib / 1024 / 1024:.1f} GiB"
    usable = len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count()
    facts = [
        ("cores", f"{os.cpu_count()} (usable by this process: {usable})"),
        ("cpu", cpu),
        ("memory", memory),
        ("python", f"{platform.python_version()} ({platform.python_implementation()})"),
        ("django", django.get_version()),
    ]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute("SELECT version()")
            version = cursor.fetchone()[0].split(" on ")[0]
            cursor.execute("SELECT current_setting('synchronous_commit'), current_setting('fsync'),"
                           " current_setting('max_connections'), current_setting('shared_buffers')")
            sync, fsync, max_conn, shared = cursor.fetchone()
            facts.append(("database", f"{version} (db {connection.settings_dict['NAME']})"))
            facts.append(("db settings", f"synchronous_commit={sync} fsync={fsync} "
                                         f"max_connections={max_conn} shared_buffers={shared}"))
        else:
            cursor.execute("SELECT sqlite_version()")
            version = cursor.fetchone()[0]
            cursor.execute("PRAGMA journal_mode")
            mode = cursor.fetchone()[0]
            cursor.execute("PRAGMA synchronous")
            sync = cursor.fetchone()[0]
            facts.append(("database", f"SQLite {version} ({connection.settings_dict['NAME']})"))
            facts.append(("db settings", f"journal_mode={mode} synchronous={sync} "
                                         "transaction_mode=IMMEDIATE"))
    return facts


# --- CPU accounting -------------------------------------------------------------------------

_TICKS = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def _proc_cpu(pid: int) -> float:
    """User+system seconds of one process (and its reaped children), from /proc."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except (OSError, IndexError):
        return 0.0
    return (int(fields[11]) + int(fields[12])) / _TICKS


def _postgres_cpu() -> float:
    """CPU seconds of every process named ``postgres`` on this machine (the server is on loopback)."""
    total = 0.0
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if Path(entry.path, "comm").read_text().strip() == "postgres":
                total += _proc_cpu(int(entry.name))
        except OSError:
            continue
    return total


@dataclass
class CpuSample:
    wall: float
    bench: float
    server: float
    postgres: float


def cpu_sample(server_pid: int | None = None, postgres: bool = False) -> CpuSample:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return CpuSample(
        wall=time.perf_counter(),
        bench=usage.ru_utime + usage.ru_stime,
        server=_proc_cpu(server_pid) if server_pid else 0.0,
        postgres=_postgres_cpu() if postgres else 0.0,
    )


def cpu_share(before: CpuSample, after: CpuSample) -> str:
    """Who used the cores during a run, in cores busy: 'bench 0.98 server 0.40 pg 0.55'.

    With two cores, a figure is only meaningful next to this: a client at ~1.0
    core is bound by its own GIL, not by the code under test.
    """
    wall = max(after.wall - before.wall, 1e-9)

    def busy(seconds: float) -> str:
        # A PostgreSQL backend that exits takes its CPU time with it: never show less than 0.
        return f"{max(seconds, 0.0) / wall:.2f}"

    parts = [f"bench {busy(after.bench - before.bench)}"]
    if after.server or before.server:
        parts.append(f"daphne {busy(after.server - before.server)}")
    if after.postgres or before.postgres:
        parts.append(f"pg {busy(after.postgres - before.postgres)}")
    return " ".join(parts)


# --- a real HTTP server ------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@dataclass
class Server:
    """The ASGI app under daphne in a child process (``manage.py serve`` runs uvicorn when it is installed)."""

    proc: subprocess.Popen
    host: str
    port: int
    log: Path

    @property
    def pid(self) -> int:
        return self.proc.pid

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def log_tail(self, lines: int = 30) -> str:
        with contextlib.suppress(OSError):
            return "\n".join(self.log.read_text(errors="replace").splitlines()[-lines:])
        return ""


def start_daphne(db: BenchDB, *, timeout: float = 30.0) -> Server:
    """Start ``daphne apps.asgi:application`` on a free loopback port and wait until it answers HTTP."""
    port = free_port()
    log = db.var_dir / f"daphne-{port}.log"
    env = {**db.env, "PYTHONUNBUFFERED": "1"}
    with log.open("wb") as out:
        proc = subprocess.Popen(
            [sys.executable, "-m", "daphne", "-b", "127.0.0.1", "-p", str(port), "apps.asgi:application"],
            cwd=str(BASE_DIR), env=env, stdout=out, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL,
        )
    server = Server(proc=proc, host="127.0.0.1", port=port, log=log)
    _cleanup.callback(server.stop)
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"daphne exited with {proc.returncode}:\n{server.log_tail()}")
        try:
            conn = http.client.HTTPConnection(server.host, port, timeout=2)
            conn.request("GET", "/api/v1/forms/")
            conn.getresponse().read()
            conn.close()
            return server
        except OSError:
            time.sleep(0.1)
    server.stop()
    raise RuntimeError(f"daphne did not answer within {timeout:.0f} s:\n{server.log_tail()}")


class JsonClient:
    """One keep-alive HTTP/1.1 connection that posts JSON with a bearer token, as an integration would."""

    def __init__(self, host: str, port: int, token: str, timeout: float = 60.0) -> None:
        self.conn = http.client.HTTPConnection(host, port, timeout=timeout)
        self.headers = {"Authorization": f"Bearer {token}", "Content-Type": "application/json",
                        "Accept": "application/json"}

    def post(self, path: str, body: Any) -> tuple[int, Any]:
        payload = json.dumps(body).encode()
        try:
            self.conn.request("POST", path, body=payload, headers=self.headers)
            response = self.conn.getresponse()
        except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
            self.conn.close()  # the server closed an idle keep-alive: reconnect once
            self.conn.request("POST", path, body=payload, headers=self.headers)
            response = self.conn.getresponse()
        raw = response.read()
        try:
            return response.status, (json.loads(raw) if raw else None)
        except ValueError:  # an HTML error page (a 500 from the server): keep its start for the report
            return response.status, raw[:300].decode(errors="replace")

    def close(self) -> None:
        self.conn.close()


# --- concurrency and timing --------------------------------------------------------------------


@dataclass
class ThreadRun:
    """The wall time of N threads started together, and what each returned (or raised)."""

    elapsed: float
    results: list[Any] = field(default_factory=list)
    errors: list[BaseException] = field(default_factory=list)


def run_threads(count: int, work: Callable[[int, threading.Barrier], Any], *,
                on_start: Callable[[], None] | None = None) -> ThreadRun:
    """Run ``work(index, barrier)`` in ``count`` threads; the clock starts when all pass the barrier.

    Each worker does its own setup (connections) first and then waits on the
    barrier, so connection set-up is not timed. Each thread's Django connection
    is its own and is closed when the worker ends.
    """
    barrier = threading.Barrier(count + 1)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            results[index] = work(index, barrier)
        except BaseException as exc:  # reported to the caller
            errors.append(exc)
            barrier.abort()
        finally:
            close_db()

    threads = [threading.Thread(target=target, args=(i,), daemon=True) for i in range(count)]
    for thread in threads:
        thread.start()
    try:
        barrier.wait(timeout=120)
    except threading.BrokenBarrierError:
        for thread in threads:
            thread.join(timeout=30)
        raise RuntimeError(f"a worker failed before the start: {errors[:1]!r}") from None
    start = time.perf_counter()
    if on_start:
        on_start()
    for thread in threads:
        thread.join()
    return ThreadRun(elapsed=time.perf_counter() - start, results=results, errors=errors)


def split(total: int, parts: int) -> list[int]:
    """``total`` spread over ``parts`` as evenly as whole numbers allow."""
    base, extra = divmod(total, parts)
    return [base + (1 if i < extra else 0) for i in range(parts)]


@contextlib.contextmanager
def stopwatch() -> Iterator[list[float]]:
    """``with stopwatch() as t: ...`` then ``t[0]`` is the elapsed seconds."""
    box = [0.0]
    start = time.perf_counter()
    try:
        yield box
    finally:
        box[0] = time.perf_counter() - start


# --- output --------------------------------------------------------------------------------------


def fmt_rate(value: float) -> str:
    return f"{value:,.0f}" if value >= 100 else f"{value:,.1f}"


def print_table(title: str, headers: Sequence[str], rows: Sequence[Sequence[Any]]) -> None:
    """A plain fixed-width table: readable in a terminal and in a CI log alike."""
    cells = [[str(c) for c in headers]] + [[str(c) for c in row] for row in rows]
    widths = [max(len(row[i]) for row in cells) for i in range(len(headers))]
    print(f"\n{title}")
    line = "  ".join("-" * w for w in widths)
    print(line)
    for n, row in enumerate(cells):
        print("  ".join(c.rjust(w) if _numeric(c) else c.ljust(w) for c, w in zip(row, widths, strict=True))
              .rstrip())
        if n == 0:
            print(line)
    print(line)


def _numeric(text: str) -> bool:
    return bool(re.fullmatch(r"[-+]?[\d,]+(\.\d+)?[x%]?", text))


def print_facts(title: str, facts: Sequence[tuple[str, str]]) -> None:
    print(title)
    width = max(len(k) for k, _ in facts)
    for key, value in facts:
        print(f"  {key.ljust(width)}  {value}")


if __name__ == "__main__":
    print("bench/_support.py: helpers for the other bench scripts; nothing to measure here.")
