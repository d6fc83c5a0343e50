"""How fast the flow engine interprets steps, and how many record-triggered runs a real worker finishes per second.

Run: ``.venv/bin/python bench/engine.py [--quick] [--profile]`` (SQLite and the
filesystem broker in a temporary ``WEFT_VAR_DIR``), or with
``DATABASE_URL=postgres://USER@HOST:PORT/DB CELERY_BROKER_URL=redis://HOST:PORT/0``:
a fresh ``weft_bench_<pid>`` database is created on that server and dropped at
exit (the database in the URL is not touched), and the broker is the same Redis
server but on db ``WEFT_BENCH_REDIS_DB`` (default 14) and a queue of this run
only (``weft-bench-<pid>``), deleted at exit, so no other worker sees a message.

Why each figure is measured the way it is:

1. Steps per second of a 10-step flow (``set``/``branch``/``set``...) walked by
   ``interpreter.run`` in this process. With the MemoryJournal nothing is
   persisted, so this is the interpreter's own cost: the ceiling of any run. It
   is shown next to (a) the same 10 expressions evaluated directly (what the
   expression language alone costs), (b) a plain-Python function doing the same
   work (the ratio says what the engine's generality costs), (c) the same flow
   inside one outer transaction, as before-save flows run (a savepoint per
   step), and (d) the DbJournal, where every step writes its row as real runs do.
2. The path a record-triggered run takes, in this process, without broker or
   worker: ``dispatch_pending`` turns the outbox events into runs, then
   ``runner.execute`` runs each. Queries per run by kind say where a run's
   time goes before any process boundary; its rate is the ceiling per core.
3. End to end with REAL Celery worker processes (started like ``manage.py
   serve`` starts one, on this run's queue): N records are created in bulk
   through the records service, each starts a run of a 4-step flow (``set``,
   ``branch`` with a ``set`` inside, ``record.update`` of the triggering record).
   Runs/s is N divided by the time from the first bulk commit to the last
   run's ``finished_at``; latency is record ``created_at`` to run
   ``finished_at``. A burst measures throughput, but its p99 is mostly queueing
   (~N / rate), so each configuration first gets a paced load (``--paced-rate``
   records per second, default 5, in small bulk writes, on idle workers): the
   latency a record sees when the engine keeps up.

Options: ``--only interpreter|path|e2e`` (repeatable); ``--profile`` prints
cProfile tables of the in-process interpreter and of ``runner.execute``;
``--records N``, ``--batch N``; one end-to-end worker configuration instead of
the list tried by default with ``--workers N --pool prefork|threads|solo
--concurrency N --fs-poll SECONDS --flow-concurrency N``. Each end-to-end load
is time-boxed (8 s with ``--quick``, 90 s otherwise): a slow configuration
shows its rate over the box and how many runs were left, instead of holding up
the rest. If no run ends for 10 s, the bench calls ``maintenance.sweep()`` (no
beat runs here) and says so. ``WEFT_BENCH_KEEP_LOGS=DIR`` keeps the workers'
logs.

Targets: >= 20,000 steps/s in process; >= 500 record-triggered runs/s end to
end on PostgreSQL + Redis with p99 trigger-to-last-step < 1 s (n8n on this
machine: 55-78 webhook-triggered executions/s). ``--quick`` finishes in under
60 s; the machine may be shared, so the load average is printed with each figure.
"""

from __future__ import annotations

import argparse
import atexit
import contextlib
import cProfile
import io
import os
import pstats
import re
import shutil
import signal
import statistics
import subprocess
import sys
import time
import uuid
from collections import Counter as Tally
from collections import deque
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

BASE_DIR = Path(__file__).resolve().parent.parent
QUEUE_ENV = "WEFT_BENCH_QUEUE"
POLL_ENV = "WEFT_BENCH_FS_POLL"
REDIS_DB_ENV = "WEFT_BENCH_REDIS_DB"
KEEP_LOGS_ENV = "WEFT_BENCH_KEEP_LOGS"
DEFAULT_REDIS_DB = 14

TARGET_STEPS = 20_000
TARGET_RUNS = 500
TARGET_P99 = 1.0
N8N = "55-78 webhook-triggered executions/s"
STEPS_PER_INTERP_RUN = 10


# --- the worker child ----------------------------------------------------------------------------


def worker_main(argv: list[str]) -> int:
    """``bench/engine.py _worker <celery worker args>``: a Celery worker on this run's queue.

    Started as a separate program (not forked from the bench) so it is exactly
    what production runs: ``celery worker`` importing Django itself. Remote
    control is off, so the worker declares nothing beyond its queue on a shared
    broker.
    """
    if str(BASE_DIR) not in sys.path:
        sys.path.insert(0, str(BASE_DIR))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.settings")
    from apps.celery import app

    app.conf.task_default_queue = os.environ[QUEUE_ENV]
    app.conf.task_routes = None  # every task to this run's queue, not the per-kind queues
    app.conf.worker_enable_remote_control = False
    poll = os.environ.get(POLL_ENV)
    if poll and str(app.conf.broker_url).startswith("filesystem://"):
        app.conf.broker_transport_options = {**app.conf.broker_transport_options, "polling_interval": float(poll)}
    app.worker_main(["worker", *argv])
    return 0


if __name__ == "__main__" and sys.argv[1:2] == ["_worker"]:
    sys.exit(worker_main(sys.argv[2:]))

import _support as sup  # noqa: E402  (the worker child above must not import the bench helpers' setup)

# --- broker ------------------------------------------------------------------------------------


@dataclass
class Broker:
    """Where this run's task messages go: a queue of its own on the filesystem broker or a dedicated Redis db."""

    kind: str
    url: str
    queue: str

    def describe(self) -> str:
        if self.kind == "filesystem":
            from django.conf import settings

            poll = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("polling_interval", 1.0)
            return f"filesystem (kombu), polled every {poll:g} s, queue {self.queue}, in the temporary WEFT_VAR_DIR"
        parts = urlsplit(self.url)
        return f"redis {parts.hostname}:{parts.port or 6379}{parts.path}, queue {self.queue}"


def choose_broker() -> Broker:
    """Before Django loads settings: point CELERY_BROKER_URL at a dedicated Redis db, name the queue.

    The db number is replaced (``WEFT_BENCH_REDIS_DB``, default 14) because
    CI and the test suite use the URL's db; the queue name carries the pid.
    """
    url = os.environ.get("CELERY_BROKER_URL", "")
    queue = f"weft-bench-{os.getpid()}"
    os.environ[QUEUE_ENV] = queue
    if url.startswith(("redis://", "rediss://")):
        parts = urlsplit(url)
        db = int(os.environ.get(REDIS_DB_ENV, DEFAULT_REDIS_DB))
        url = urlunsplit((parts.scheme, parts.netloc, f"/{db}", parts.query, parts.fragment))
        os.environ["CELERY_BROKER_URL"] = url
        return Broker("redis", url, queue)
    if url and not url.startswith("filesystem://"):
        raise SystemExit(f"bench: unsupported CELERY_BROKER_URL scheme: {url.split(':', 1)[0]}")
    return Broker("filesystem", "filesystem://", queue)


def configure_app(broker: Broker) -> None:
    """Route this process's task messages (dispatch_events, execute_run) to this run's queue only."""
    from apps.celery import app

    app.conf.task_default_queue = broker.queue
    app.conf.task_routes = None
    app.conf.worker_enable_remote_control = False
    pool = app._pool
    app._pool = None
    if pool is not None:
        pool.force_close_all()
    app.__dict__.pop("amqp", None)


def purge_queue(broker: Broker) -> int:
    """Drop messages left by the in-process figures (they name runs that already finished)."""
    from apps.celery import app

    with app.connection_for_write() as conn:
        return conn.default_channel.queue_purge(broker.queue) or 0


def delete_queue(broker: Broker) -> None:
    """At exit: the queue and every key kombu made for it (bindings, priority lists) on the bench's Redis db.

    kombu's ``queue_delete`` leaves ``_kombu.binding*`` keys and, when a worker
    stopped with messages reserved, the list itself; every key that names this
    run's queue (which carries the pid) is ours to delete.
    """
    from apps.celery import app

    with contextlib.suppress(Exception), app.connection_for_write() as conn:  # clean-up only
        conn.default_channel.queue_delete(broker.queue)
    sup.delete_redis_keys(broker.url, broker.queue)


# --- workers -------------------------------------------------------------------------------------


@dataclass
class WorkerSpec:
    """``count`` worker processes, each ``celery worker -P pool -c concurrency``."""

    count: int = 1
    pool: str = "prefork"
    concurrency: int = 2
    fs_poll: float | None = None  # None: the settings' (WEFT_BROKER_POLL_SECONDS), as ``manage.py serve`` runs
    flow_concurrency: int | None = None  # None: the flow's default (10)

    def label(self) -> str:
        text = f"{self.count}x {self.pool} -c {self.concurrency}"
        if self.fs_poll is not None:
            text += f", fs poll {self.fs_poll:g}s"
        if self.flow_concurrency is not None:
            text += f", flow concurrency {self.flow_concurrency}"
        return text


@dataclass
class Worker:
    proc: subprocess.Popen
    log: Path

    def text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""

    def stop(self) -> None:
        """Warm shutdown, then SIGKILL of the whole group (prefork children included)."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            with contextlib.suppress(subprocess.TimeoutExpired):  # then SIGKILL below
                self.proc.wait(timeout=15)
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self.proc.pid, signal.SIGKILL)
        with contextlib.suppress(subprocess.TimeoutExpired):
            self.proc.wait(timeout=10)


_live_workers: list[Worker] = []


def _stop_all_workers() -> None:
    while _live_workers:
        _live_workers.pop().stop()


def start_workers(db: sup.BenchDB, broker: Broker, spec: WorkerSpec, timeout: float = 60.0) -> list[Worker]:
    """Start the worker processes and wait until each says it is ready."""
    env = {**db.env, "PYTHONUNBUFFERED": "1", QUEUE_ENV: broker.queue, "CELERY_TASK_ALWAYS_EAGER": "false"}
    env.pop(POLL_ENV, None)
    if spec.fs_poll is not None:
        env[POLL_ENV] = str(spec.fs_poll)
    workers = []
    for index in range(spec.count):
        log = db.var_dir / f"worker-{index}-{uuid.uuid4().hex[:6]}.log"
        cmd = [sys.executable, str(Path(__file__).resolve()), "_worker", "-n", f"bench{index}-{os.getpid()}@%h",
               "-Q", broker.queue, "-P", spec.pool, "-c", str(spec.concurrency), "-l", "info",
               "--without-mingle", "--without-gossip", "--without-heartbeat"]
        with log.open("wb") as out:
            proc = subprocess.Popen(cmd, cwd=str(BASE_DIR), env=env, stdout=out, stderr=subprocess.STDOUT,
                                    stdin=subprocess.DEVNULL, start_new_session=True)
        worker = Worker(proc, log)
        _live_workers.append(worker)
        workers.append(worker)
    deadline = time.monotonic() + timeout
    for worker in workers:
        while " ready." not in worker.text():
            if worker.proc.poll() is not None or time.monotonic() > deadline:
                raise RuntimeError(f"worker did not start:\n{worker.text()[-3000:]}")
            time.sleep(0.1)
    return workers


def worker_death(worker: Worker) -> str:
    """Why a worker exited, in one line when the cause is known, else the end of its log."""
    text = worker.text()
    if "Unrecoverable error: JSONDecodeError" in text:
        return ("a worker exited: 'Unrecoverable error: JSONDecodeError' — kombu's filesystem transport moved and "
                "read a message file that its producer had created but not yet written (kombu/transport/"
                "filesystem.py _put/_get); the faster the polling, the likelier")
    return f"a worker exited:\n{text[-3000:]}"


def stop_workers(workers: list[Worker]) -> None:
    """Stop the workers; with ``WEFT_BENCH_KEEP_LOGS=DIR`` their logs are kept there (the temp dir is removed)."""
    keep = os.environ.get(KEEP_LOGS_ENV)
    for worker in workers:
        worker.stop()
        with contextlib.suppress(ValueError):
            _live_workers.remove(worker)
        if keep:
            Path(keep).mkdir(parents=True, exist_ok=True)
            shutil.copy(worker.log, Path(keep) / worker.log.name)


def tree_cpu(pids: list[int]) -> float:
    """CPU seconds of these processes and their children (prefork pool processes), from /proc."""
    ticks = os.sysconf("SC_CLK_TCK")
    stats: dict[int, tuple[int, float]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            fields = Path(entry.path, "stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        stats[int(entry.name)] = (int(fields[1]), (int(fields[11]) + int(fields[12])) / ticks)
    roots = set(pids)
    return sum(cpu for pid, (ppid, cpu) in stats.items() if pid in roots or ppid in roots)


# --- shared data ---------------------------------------------------------------------------------


def load() -> str:
    """The 1- and 5-minute load average: on a shared 2-core machine a figure means little without it."""
    one, five, _ = os.getloadavg()
    return f"{one:.1f}/{five:.1f}"


def percentile(values: list[float], fraction: float) -> float:
    """Nearest-rank percentile; NaN for no values (a load where no run ended)."""
    if not values:
        return float("nan")
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


@dataclass
class Context:
    db: sup.BenchDB
    broker: Broker
    workspace: Any
    member: Any
    quick: bool
    profile: bool
    summary: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def make_context(db: sup.BenchDB, broker: Broker, quick: bool, profile: bool) -> Context:
    """A workspace and its owner: flows run as the owner, as they do for a real shop."""
    from django.contrib.auth import get_user_model

    from apps.accounts.models import Member
    from apps.accounts.services import create_workspace

    user = get_user_model().objects.create_user(username="bench-owner", password=None)
    workspace = create_workspace("Bench shop", user, slug="bench")
    member = Member.objects.select_related("workspace", "user").get(workspace=workspace, user=user)
    return Context(db=db, broker=broker, workspace=workspace, member=member, quick=quick, profile=profile)


# --- 1. the interpreter in process ----------------------------------------------------------------


def interp_steps() -> list[dict]:
    """Ten step executions: eight ``set`` (one per branch taken) and two ``branch``, with small expressions."""
    return [
        {"id": "subtotal", "type": "set", "variables": {"subtotal": "{{ record.qty * record.price }}"}},
        {"id": "discount", "type": "set", "variables": {"discount": "{{ vars.subtotal // 10 }}"}},
        {"id": "tier", "type": "branch", "conditions": [{"when": "vars.subtotal > 10000", "steps": [
            {"id": "gold", "type": "set", "variables": {"tier": "gold"}}]}],
         "else": [{"id": "standard", "type": "set", "variables": {"tier": "standard"}}]},
        {"id": "total", "type": "set", "variables": {"total": "{{ vars.subtotal - vars.discount }}"}},
        {"id": "label", "type": "set", "variables": {"label": "{{ record.sku }}-{{ vars.tier }}"}},
        {"id": "size", "type": "branch", "conditions": [{"when": "record.qty >= 3", "steps": [
            {"id": "bulk", "type": "set", "variables": {"bulk": "{{ true }}"}}]}],
         "else": [{"id": "single", "type": "set", "variables": {"bulk": "{{ false }}"}}]},
        {"id": "done", "type": "set", "variables": {"done": "{{ vars.total > 0 }}"}},
        {"id": "note", "type": "set", "variables": {"note": "{{ vars.label }}"}},
    ]


INTERP_INPUT: dict[str, Any] = {"record": {"id": 1, "sku": "SKU-1", "qty": 3, "price": 4950}}  # price in cents

# The same ten evaluations, in the order the flow does them (for the expressions-only baseline).
INTERP_EXPRESSIONS: list[tuple[str, str, str | None]] = [
    ("value", "{{ record.qty * record.price }}", "subtotal"),
    ("value", "{{ vars.subtotal // 10 }}", "discount"),
    ("condition", "vars.subtotal > 10000", None),
    ("value", "gold", "tier"),
    ("value", "{{ vars.subtotal - vars.discount }}", "total"),
    ("value", "{{ record.sku }}-{{ vars.tier }}", "label"),
    ("condition", "record.qty >= 3", None),
    ("value", "{{ true }}", "bulk"),
    ("value", "{{ vars.total > 0 }}", "done"),
    ("value", "{{ vars.label }}", "note"),
]


def plain_python(record: dict) -> dict:
    """The flow written by hand: the floor any interpreter is compared with."""
    out: dict[str, Any] = {}
    out["subtotal"] = record["qty"] * record["price"]
    out["discount"] = out["subtotal"] // 10
    out["tier"] = "gold" if out["subtotal"] > 10000 else "standard"
    out["total"] = out["subtotal"] - out["discount"]
    out["label"] = f"{record['sku']}-{out['tier']}"
    out["bulk"] = record["qty"] >= 3
    out["done"] = out["total"] > 0
    out["note"] = out["label"]
    return out


def expressions_only() -> Callable[[], dict]:
    """The flow's ten expressions through the expression language, with no engine around them."""
    from apps.expressions import evaluate_condition, evaluate_value

    def call() -> dict:
        variables: dict[str, Any] = {}
        scope = {"record": INTERP_INPUT["record"], "vars": variables}
        for kind, source, name in INTERP_EXPRESSIONS:
            if kind == "condition":
                evaluate_condition(source, scope)
            else:
                variables[name] = evaluate_value(source, scope)
        return variables

    return call


@dataclass
class Rate:
    """Best and median of several timed rounds: on a shared 2-core machine the best is the steady state."""

    label: str
    per_second: list[float]
    unit: str = "steps/s"
    note: str = ""

    @property
    def best(self) -> float:
        return max(self.per_second)

    @property
    def median(self) -> float:
        return statistics.median(self.per_second)


def timed_rounds(label: str, call: Callable[[], Any], *, steps_per_call: int, rounds: int, seconds: float,
                 note: str = "") -> Rate:
    """``call()`` repeatedly for ``seconds`` per round; steps/s per round."""
    call()  # warm-up: compiles the expressions, fills caches
    rates = []
    for _ in range(rounds):
        done = 0
        start = time.perf_counter()
        deadline = start + seconds
        while True:
            for _ in range(20):
                call()
            done += 20
            now = time.perf_counter()
            if now >= deadline:
                break
        rates.append(done * steps_per_call / (now - start))
    return Rate(label, rates, note=note)


def memory_state(definition: dict, workspace: Any) -> Any:
    """A fresh RunState on a MemoryJournal: what before-save flows and speed tests run with."""
    from apps.flows.engine.context import RunState
    from apps.flows.engine.journal import MemoryJournal

    return RunState(workspace=workspace, flow_key="bench", definition=definition, journal=MemoryJournal(),
                    input=INTERP_INPUT)


def bench_interpreter(ctx: Context) -> list[Rate]:
    """Figure 1: the same ten steps by hand, as bare expressions, and through the interpreter."""
    from django.db import transaction

    from apps.flows import services
    from apps.flows.engine.interpreter import interpreter

    definition = {"key": "interp", "name": "Interpreter", "trigger": {"type": "manual"}, "steps": interp_steps()}
    services.validate(ctx.workspace, definition)
    check = memory_state(definition, ctx.workspace)
    interpreter.run(check)
    expected = plain_python(INTERP_INPUT["record"])
    if check.variables != expected or len(check.journal.order) != STEPS_PER_INTERP_RUN + 2:
        ctx.failures.append(f"interpreter flow did not do the expected work: {check.variables}")

    rounds, seconds = (3, 0.3) if ctx.quick else (5, 0.6)
    rates = [
        timed_rounds("plain Python function (same work)", lambda: plain_python(INTERP_INPUT["record"]),
                     steps_per_call=STEPS_PER_INTERP_RUN, rounds=rounds, seconds=seconds / 3),
        timed_rounds("expressions only (the 10 evaluations)", expressions_only(),
                     steps_per_call=STEPS_PER_INTERP_RUN, rounds=rounds, seconds=seconds),
    ]

    def memory_run() -> None:
        interpreter.run(memory_state(definition, ctx.workspace))

    rates.append(timed_rounds("interpreter, MemoryJournal", memory_run, steps_per_call=STEPS_PER_INTERP_RUN,
                              rounds=rounds, seconds=seconds,
                              note="each step still opens transaction.atomic() on the default connection"))

    def in_transaction() -> None:
        with transaction.atomic():
            state = memory_state(definition, ctx.workspace)
            state.in_transaction = True
            interpreter.run(state)

    rates.append(timed_rounds("interpreter, MemoryJournal, in a transaction", in_transaction,
                              steps_per_call=STEPS_PER_INTERP_RUN, rounds=rounds, seconds=seconds,
                              note="as before-save flows run: a SAVEPOINT per step"))
    rates.append(bench_db_journal(ctx, definition, rounds, 200, 0.6 if ctx.quick else 2.0))
    if ctx.profile:
        profile_call("interpreter, MemoryJournal", memory_run, 2000 if ctx.quick else 5000)
    return rates


def bench_db_journal(ctx: Context, definition: dict, rounds: int, runs_per_round: int, seconds: float) -> Rate:
    """Each step's StepRun row (and each ``set``'s variables) written as ``runner.execute`` writes them.

    A round ends after ``runs_per_round`` runs or ``seconds``, whichever comes
    first: on a server where each commit waits for a busy disk a fixed count
    would blow the ``--quick`` budget.
    """
    from django.db import transaction
    from django.utils import timezone

    from apps.flows import services
    from apps.flows.engine.context import RunState
    from apps.flows.engine.interpreter import interpreter
    from apps.flows.engine.journal import DbJournal
    from apps.flows.models import Run, RunStatus

    flow = services.create_flow(ctx.workspace, {**definition, "key": f"interp_db_{uuid.uuid4().hex[:6]}"},
                                member=ctx.member)
    rates = []
    for round_index in range(rounds + 1):  # the first round warms up
        runs = Run.objects.bulk_create([
            Run(workspace=ctx.workspace, flow=flow, flow_version=flow.version, status=RunStatus.RUNNING,
                input=INTERP_INPUT, lease_owner="bench", started_at=timezone.now())
            for _ in range(runs_per_round if round_index else 5)])
        start = time.perf_counter()
        done = 0
        for run in runs:
            state = RunState(workspace=ctx.workspace, flow_key=flow.key, definition=definition,
                             journal=DbJournal(run), input=run.input, run=run)
            interpreter.run(state)
            flush = getattr(state.journal, "flush", None)
            if flush is not None:  # a journal that buffers rows writes them when the run ends, as _finish does
                with transaction.atomic():
                    flush(state.variables)
            done += 1
            if time.perf_counter() - start > seconds:
                break
        elapsed = time.perf_counter() - start
        if round_index:
            rates.append(done * STEPS_PER_INTERP_RUN / elapsed)
    # These runs never went through _finish: left "running" they would count against WEFT_MAX_ACTIVE_RUNS.
    Run.objects.filter(flow=flow).delete()
    flow.delete()
    return Rate("interpreter, DbJournal (every step persisted)", rates,
                note="StepRun rows + Run.variables per set step, one commit per step")


def profile_call(label: str, call: Callable[[], Any], times: int, top: int = 18) -> None:
    """cProfile ``call`` and print the functions with the most own time: where the steps go."""
    profiler = cProfile.Profile()
    profiler.enable()
    for _ in range(times):
        call()
    profiler.disable()
    total = pstats.Stats(profiler).total_tt
    print(f"\nprofile: {label}, {times} calls, {total / times * 1000:.3f} ms per call under cProfile")
    for order, restriction in (("tottime", top), ("cumulative", r"apps/")):
        out = io.StringIO()
        stats = pstats.Stats(profiler, stream=out)
        stats.sort_stats(order).print_stats(restriction, top) if order == "cumulative" else \
            stats.sort_stats(order).print_stats(top)
        text = out.getvalue().replace(str(BASE_DIR) + "/", "")
        text = re.sub(r"\S*/site-packages/", "", text).replace(sys.base_prefix + "/lib/python3.11/", "")
        lines = text.splitlines()
        start = next((i for i, line in enumerate(lines) if "ncalls" in line), 0)
        print(f"  by {order}" + (" (project code)" if order == "cumulative" else ""))
        for line in lines[start:]:
            if line.strip():
                print("  " + line[:160])


def print_rates(ctx: Context, rates: list[Rate], load_before: str) -> None:
    """Figure 1's table; the ratio column compares each path with the plain-Python function."""
    baseline = rates[0].best
    rows = []
    for rate in rates:
        ratio = baseline / rate.best if rate.best else float("inf")
        rows.append([rate.label, sup.fmt_rate(rate.best), sup.fmt_rate(rate.median),
                     f"{1e6 / rate.best:.1f}", "1.0x" if rate is rates[0] else f"{ratio:,.0f}x", rate.note])
    sup.print_table(f"1. A 10-step flow in process (set/branch; load {load_before} -> {load()})",
                    ["path", "steps/s best", "median", "µs/step", "slower than Python", "note"], rows)
    memory = rates[2].best
    verdict = "meets" if memory >= TARGET_STEPS else "misses"
    ctx.summary.append(f"in-process interpreter (MemoryJournal): {sup.fmt_rate(memory)} steps/s — {verdict} the "
                       f"target of >= {TARGET_STEPS:,}; DbJournal: {sup.fmt_rate(rates[-1].best)} steps/s; "
                       f"plain Python is {baseline / memory:,.0f}x faster")


# --- the e2e flow and records ----------------------------------------------------------------------

E2E_FIELDS: list[dict[str, Any]] = [
    {"key": "sku", "type": "text"},
    {"key": "qty", "type": "integer"},
    {"key": "total", "type": "decimal", "decimal_places": 2},
    {"key": "priority", "type": "text"},
]


def e2e_definition(key: str, form_key: str, flow_concurrency: int | None) -> dict:
    """Four step executions per run: two ``set``, a ``branch`` (one ``set`` inside), a ``record.update``."""
    definition: dict[str, Any] = {
        "key": key, "name": key, "trigger": {"type": "record", "form": form_key, "on": ["created"]},
        "steps": [
            {"id": "score", "type": "set", "variables": {"score": "{{ record.qty * 2 }}"}},
            {"id": "route", "type": "branch",
             "conditions": [{"when": "vars.score > 10", "steps": [
                 {"id": "high", "type": "set", "variables": {"priority": "high"}}]}],
             "else": [{"id": "normal", "type": "set", "variables": {"priority": "normal"}}]},
            {"id": "mark", "type": "record.update", "form": form_key, "record": "{{ record.id }}",
             "data": {"priority": "{{ vars.priority }}"}},
        ],
    }
    if flow_concurrency is not None:
        definition["settings"] = {"concurrency": flow_concurrency}
    return definition


def make_flow(ctx: Context, flow_concurrency: int | None = None) -> tuple[Any, Any]:
    """A new form and a flow on it: each scenario's records start only its own runs."""
    from apps.flows import services
    from apps.forms.services.forms import create_form

    tag = uuid.uuid4().hex[:6]
    form = create_form(ctx.workspace, {"key": f"orders_{tag}", "name": f"Orders {tag}", "fields": E2E_FIELDS},
                       member=ctx.member)
    flow = services.create_flow(ctx.workspace, e2e_definition(f"mark_{tag}", form.key, flow_concurrency),
                                member=ctx.member)
    return form, flow


def record_rows(count: int, start: int) -> list[dict[str, Any]]:
    """Orders whose qty spreads over 0-8, so the flow's branch goes both ways."""
    return [{"sku": f"SKU-{start + i}", "qty": (start + i) % 9, "total": "19.90"} for i in range(count)]


def create_records(ctx: Context, form: Any, count: int, batch: int, start: int = 0) -> datetime:
    """``bulk_write`` in batches (one transaction each); returns when the first batch committed."""
    from django.utils import timezone

    from apps.forms.services.records import bulk_write

    first = None
    for offset in range(0, count, batch):
        bulk_write(form, record_rows(min(batch, count - offset), start + offset), member=ctx.member)
        first = first or timezone.now()
    assert first is not None
    return first


# --- 2. the same path in process, without a broker ---------------------------------------------------


def query_kind(sql: str) -> str:
    """``SELECT flows_run`` / ``UPDATE forms_record`` / ``SAVEPOINT``: enough to see which queries a run makes."""
    words = sql.split(None, 1)
    verb = words[0].upper() if words else "?"
    if verb in ("SAVEPOINT", "RELEASE", "ROLLBACK", "BEGIN", "COMMIT"):
        return verb
    pattern = {"SELECT": r'\bFROM\s+"?(\w+)', "INSERT": r'INTO\s+"?(\w+)', "UPDATE": r'^UPDATE\s+"?(\w+)',
               "DELETE": r'FROM\s+"?(\w+)'}.get(verb)
    match = re.search(pattern, sql, re.IGNORECASE) if pattern else None
    return f"{verb} {match.group(1) if match else '?'}"


@dataclass
class Stage:
    """One stage of the path: its rate, and per run the queries by kind, their SQL time and the broker sends."""

    label: str
    runs: int
    elapsed: float
    cpu: float  # this process's CPU seconds: on a loaded machine wall time overstates the cost
    queries: dict[str, float]  # per run
    sql_ms: float  # per run, as the database driver returned (excludes ORM query building)
    sends: float  # task messages published per run
    send_ms: float  # per run

    @property
    def rate(self) -> float:
        return self.runs / self.elapsed if self.elapsed else 0.0


@contextlib.contextmanager
def counted(runs: Callable[[], int]) -> Iterator[list[Stage]]:
    """Capture queries and task publishes of the block; yields a box that holds the per-run figures afterwards."""
    from celery.app.task import Task
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    sends = [0, 0.0]
    original = Task.apply_async

    def apply_async(self: Any, *args: Any, **kwargs: Any) -> Any:
        start = time.perf_counter()
        try:
            return original(self, *args, **kwargs)
        finally:
            sends[0] += 1
            sends[1] += time.perf_counter() - start

    box: list[Stage] = []
    Task.apply_async = apply_async  # type: ignore[method-assign]
    # Django keeps the last 9,000 queries only; 400 runs make more, and a silent cut would undercount.
    saved_log, connection.queries_log = connection.queries_log, deque(maxlen=2_000_000)
    try:
        with CaptureQueriesContext(connection) as captured:
            start, cpu = time.perf_counter(), time.process_time()
            yield box
            elapsed, cpu = time.perf_counter() - start, time.process_time() - cpu
        queries = captured.captured_queries  # read before the log is swapped back
    finally:
        Task.apply_async = original  # type: ignore[method-assign]
        connection.queries_log = saved_log
    n = max(runs(), 1)
    kinds = Tally(query_kind(q["sql"]) for q in queries)
    sql = sum(float(q["time"]) for q in queries)
    box.append(Stage("", n, elapsed, cpu, {k: v / n for k, v in kinds.items()}, sql * 1000 / n, sends[0] / n,
                     sends[1] * 1000 / n))


def bench_path_in_process(ctx: Context) -> list[Stage]:
    """Figure 2: dispatch then execute, in this process, queries counted: the per-run cost without I/O between them.

    Counting queries slows the ORM a little, so the rate of ``execute`` is taken
    from a second, uncounted pass over the other half of the runs.
    """
    from apps.core.outbox import dispatch_pending
    from apps.flows.engine import runner
    from apps.flows.models import Run, RunStatus

    count = 60 if ctx.quick else 400
    form, flow = make_flow(ctx)
    create_records(ctx, form, count, count)
    with counted(lambda: Run.objects.filter(flow=flow).count()) as box:
        dispatch_pending(limit=count * 2)
    dispatch = box[0]
    dispatch.label = "dispatch_pending: events -> runs"
    if dispatch.runs != count:
        ctx.failures.append(f"in-process dispatch: {dispatch.runs} runs for {count} records")
    ids = list(Run.objects.filter(flow=flow).order_by("id").values_list("id", flat=True))
    half, rest = ids[: len(ids) // 2], ids[len(ids) // 2:]
    with counted(lambda: len(half)) as box:
        for run_id in half:
            runner.execute(run_id)
    execute = box[0]
    execute.label = "runner.execute: claim, 4 steps, finish"
    start, cpu = time.perf_counter(), time.process_time()
    if ctx.profile:
        call = iter(rest)
        profile_call("runner.execute of a 4-step record-triggered run (in process, no broker hop)",
                     lambda: runner.execute(next(call)), len(rest))
    else:
        for run_id in rest:
            runner.execute(run_id)
    execute.runs, execute.elapsed, execute.cpu = len(rest), time.perf_counter() - start, time.process_time() - cpu
    failed = Run.objects.filter(flow=flow).exclude(status=RunStatus.SUCCEEDED).count()
    if failed:
        ctx.failures.append(f"in-process execute: {failed} runs did not succeed")
    # Each run's record.update wrote an event and asked for a dispatch: per-run work too, though it starts no run.
    with counted(lambda: count) as box:
        dispatch_pending(limit=count * 2)
    follow = box[0]
    follow.label = "dispatch_pending: the runs' record.updated events"
    return [dispatch, execute, follow]


def print_stages(ctx: Context, stages: list[Stage], load_before: str) -> None:
    """Figure 2's table and each stage's queries per run by kind: where to cut."""
    rows = []
    for stage in stages:
        rows.append([stage.label, stage.runs, f"{stage.elapsed:.2f}", sup.fmt_rate(stage.rate),
                     f"{1000 / stage.rate:.2f}" if stage.rate else "-", f"{stage.cpu * 1000 / stage.runs:.2f}",
                     f"{sum(stage.queries.values()):.1f}",
                     f"{stage.sql_ms:.2f}", f"{stage.sends:.2f}", f"{stage.send_ms:.2f}"])
    sup.print_table(f"2. The record-triggered path in this process, no broker hop (load {load_before} -> {load()})",
                    ["stage", "runs", "seconds", "runs/s", "ms/run", "CPU ms/run", "queries/run", "SQL ms/run",
                     "task sends/run", "send ms/run"], rows)
    for stage in stages:
        top = ", ".join(f"{kind} {n:.2f}" for kind, n in sorted(stage.queries.items(), key=lambda kv: -kv[1]))
        print(f"  per run, {stage.label}: {top}")
    per_run = sum(s.cpu * 1000 / s.runs for s in stages if s.runs)
    cores = os.cpu_count() or 1
    ctx.summary.append(f"in-process path (dispatch + execute + follow-up dispatch): {per_run:.1f} CPU ms per run "
                       f"in the Python process -> at most ~{sup.fmt_rate(1000 / per_run * cores)} runs/s on "
                       f"{cores} cores, before worker, broker and database-server overheads")


# --- 3. end to end with real workers -----------------------------------------------------------------


@dataclass
class E2EResult:
    """One load on one worker configuration; ``unfinished`` runs had not ended when the time box closed."""

    label: str
    records: int
    elapsed: float
    latencies: list[float]
    dispatch: list[float]
    queued: list[float]
    executing: list[float]
    failed: int
    unfinished: int
    cpu: str
    load: str
    note: str = ""
    offered: float | None = None
    errors: Tally = field(default_factory=Tally)

    @property
    def finished(self) -> int:
        return self.records - self.unfinished

    @property
    def rate(self) -> float:
        return self.finished / self.elapsed if self.elapsed else 0.0

    def cells(self) -> list[Any]:
        ms = [f"{statistics.median(v) * 1000:,.0f}" if v else "-" for v in (self.dispatch, self.queued,
                                                                              self.executing)]
        kind = f"paced {self.offered:g}/s" if self.offered else "burst"
        done = f"{self.finished}/{self.records}" if self.unfinished else str(self.records)
        return [self.label, kind, done, f"{self.elapsed:.2f}", sup.fmt_rate(self.rate),
                f"{statistics.median(self.latencies) * 1000:,.0f}" if self.latencies else "-",
                f"{percentile(self.latencies, 0.99) * 1000:,.0f}" if self.latencies else "-",
                *ms, self.failed, self.cpu, self.load + (f" {self.note}" if self.note else "")]


HEADERS_E2E = ["workers", "load", "runs", "seconds", "runs/s", "p50 ms", "p99 ms", "dispatch p50",
               "queued p50", "exec p50", "failed", "cores busy", "load avg 1m/5m"]


def wait_for_runs(flow: Any, expected: int, workers: list[Worker], time_box: float, stall_after: float
                  ) -> tuple[int, str]:
    """Poll the database until ``expected`` runs of ``flow`` ended or ``time_box`` passed; (ended, note).

    No beat runs here, and no periodic task calls ``flows.sweep``, so an event
    or run that no message reaches would wait forever; after ``stall_after``
    seconds without progress the bench calls ``maintenance.sweep()`` itself and
    says so in the table. Polling is every 0.2 s (the bench shares the cores
    with the workers); the figures come from the rows' timestamps, not from it.
    """
    from apps.flows.engine import maintenance
    from apps.flows.models import FINAL_STATUSES, Run

    deadline = time.monotonic() + time_box
    last, last_change, note = -1, time.monotonic(), ""
    while True:
        done = Run.objects.filter(flow=flow, status__in=FINAL_STATUSES).count()
        now = time.monotonic()
        if done >= expected:
            return done, note
        if now > deadline:
            return done, (note + f" time box {time_box:.0f} s").strip()
        if done != last:
            last, last_change = done, now
        elif now - last_change > stall_after:
            swept = maintenance.sweep()
            note = f"no progress at {done} for {stall_after:.0f} s; sweep() found {swept}"
            last_change = now
        for worker in workers:
            if worker.proc.poll() is not None:
                raise RuntimeError(worker_death(worker))
        time.sleep(0.2)


def collect(flow: Any, form: Any, since_id: int) -> tuple[list[Any], dict[int, datetime]]:
    """The runs' timestamps and the records' created_at: latencies come from the rows, not from polling."""
    from apps.flows.models import Run
    from apps.forms.models import Record

    runs = list(Run.objects.filter(flow=flow, pk__gt=since_id).values_list(
        "input", "status", "created_at", "started_at", "finished_at", "error"))
    created = dict(Record.objects.filter(form=form).values_list("id", "created_at"))
    return runs, created


def summarize(label: str, expected: int, runs: list[Any], created: dict[int, datetime], first_commit: datetime,
              cut_off: datetime | None, cpu: str, load_text: str, note: str, offered: float | None = None
              ) -> E2EResult:
    """Latencies of the runs that ended; the elapsed time runs to the last ``finished_at`` (or the time box)."""
    from apps.flows.models import FINAL_STATUSES, RunStatus

    latencies, dispatch, queued, executing = [], [], [], []
    failed = ended = 0
    errors: Tally = Tally()
    last = first_commit
    for input_, status, run_created, started, finished, error in runs:
        if status not in FINAL_STATUSES or finished is None:
            continue
        ended += 1
        if status != RunStatus.SUCCEEDED:
            failed += 1
            message = str((error or {}).get("message", "")).split("\n")[0][:160]  # DETAIL lines name the run
            errors[f"{status}: {(error or {}).get('code', '')}: {message}"] += 1
        last = max(last, finished)
        record_at = created.get(int(input_["record"]["id"]))
        if record_at is None:
            continue
        latencies.append((finished - record_at).total_seconds())
        dispatch.append((run_created - record_at).total_seconds())
        if started:
            queued.append((started - run_created).total_seconds())
            executing.append((finished - started).total_seconds())
    end = cut_off if cut_off is not None and ended < expected else last
    return E2EResult(label, expected, (end - first_commit).total_seconds(), latencies, dispatch, queued, executing,
                     failed, expected - ended, cpu, load_text, note, offered, errors)


def cleanup_scenario(form: Any, flow: Any) -> None:
    """Delete the scenario's rows so every scenario starts from the same table sizes."""
    from apps.flows.models import Run
    from apps.forms.models import Event, Record, RecordHistory

    flow.enabled = False
    flow.save(update_fields=["enabled"])
    Run.objects.filter(flow=flow).delete()
    Event.objects.filter(form=form).delete()
    RecordHistory.objects.filter(form=form).delete()
    Record.objects.filter(form=form).delete()


class Meter:
    """CPU of the bench, the workers (with their pool processes) and PostgreSQL over one load."""

    def __init__(self, ctx: Context, workers: list[Worker]) -> None:
        self.postgres = ctx.db.is_postgres
        self.pids = [w.proc.pid for w in workers]
        self.before = sup.cpu_sample(None, self.postgres)
        self.workers = tree_cpu(self.pids)

    def share(self) -> str:
        after = sup.cpu_sample(None, self.postgres)
        wall = max(after.wall - self.before.wall, 1e-9)
        return f"workers {(tree_cpu(self.pids) - self.workers) / wall:.2f} " + sup.cpu_share(self.before, after)


def paced_load(ctx: Context, spec: WorkerSpec, form: Any, flow: Any, workers: list[Worker], rate: float,
               seconds: float, time_box: float) -> E2EResult:
    """Records arriving at ``rate`` per second in small bulk writes (every 0.1 s, or every second below 10/s).

    Run before the burst, on idle workers, so what it shows is the latency one
    record sees when the engine keeps up: the broker hops, the dispatch, the
    run itself, not a backlog.
    """
    from django.utils import timezone

    tick = 0.1 if rate >= 10 else 1.0
    per_tick = max(1, round(rate * tick))
    ticks = max(1, int(seconds / tick))
    load_before, meter = load(), Meter(ctx, workers)
    first = timezone.now()
    start = time.perf_counter()
    for n in range(ticks):
        create_records(ctx, form, per_tick, per_tick, start=n * per_tick)
        pause = start + (n + 1) * tick - time.perf_counter()
        if pause > 0:
            time.sleep(pause)
    expected = ticks * per_tick
    done, note = wait_for_runs(flow, expected, workers, time_box, stall_after=10.0)
    cut_off = timezone.now() if done < expected else None
    runs, created = collect(flow, form, 0)
    return summarize(spec.label(), expected, runs, created, first, cut_off, meter.share(), load_before, note,
                     offered=per_tick / tick)


def run_scenario(ctx: Context, spec: WorkerSpec, records: int, batch: int, time_box: float,
                 paced_seconds: float, paced_rate: float) -> list[E2EResult]:
    """Start the workers; a paced load (latency), then a burst of ``records`` in bulk writes (throughput)."""
    from django.utils import timezone

    from apps.flows.models import Run

    purge_queue(ctx.broker)
    form, flow = make_flow(ctx, spec.flow_concurrency)
    workers = start_workers(ctx.db, ctx.broker, spec)
    results = []
    try:
        if paced_seconds > 0 and paced_rate > 0:
            results.append(paced_load(ctx, spec, form, flow, workers, paced_rate, paced_seconds, time_box))
        last_id = Run.objects.filter(flow=flow).order_by("-id").values_list("id", flat=True).first() or 0
        expected_before = Run.objects.filter(flow=flow).count()
        load_before, meter = load(), Meter(ctx, workers)
        first = create_records(ctx, form, records, batch, start=1_000_000)
        done, note = wait_for_runs(flow, expected_before + records, workers, time_box, stall_after=10.0)
        cut_off = timezone.now() if done < expected_before + records else None
        runs, created = collect(flow, form, last_id)
        results.append(summarize(spec.label(), records, runs, created, first, cut_off, meter.share(), load_before,
                                 note))
    finally:
        stop_workers(workers)
    cleanup_scenario(form, flow)
    return results


def scenarios(ctx: Context, chosen: WorkerSpec | None) -> list[WorkerSpec]:
    """What ``manage.py serve`` runs first: one worker, prefork, 2 processes, the settings' broker poll.

    Then (not with ``--quick``) the variations worth trying on two cores: two
    single-process workers, more processes than cores (a run waits on the
    database as much as it computes), threads, a higher flow concurrency limit
    and, on the file broker, kombu's own 1 s poll (what the settings had before
    ``WEFT_BROKER_POLL_SECONDS``) and a 10 ms poll.
    """
    if chosen is not None:
        return [chosen]
    if ctx.quick:
        return [WorkerSpec()]
    specs = [WorkerSpec(), WorkerSpec(count=2, concurrency=1), WorkerSpec(concurrency=4),
             WorkerSpec(pool="threads", concurrency=4), WorkerSpec(concurrency=4, flow_concurrency=50)]
    if ctx.broker.kind == "filesystem":
        specs[1:1] = [WorkerSpec(fs_poll=1.0), WorkerSpec(fs_poll=0.01)]
    return specs


def bench_end_to_end(ctx: Context, records: int, batch: int, chosen: WorkerSpec | None, paced_rate: float
                     ) -> list[E2EResult]:
    """Figure 3: every worker configuration in turn, each with fresh workers, form and flow."""
    results: list[E2EResult] = []
    time_box = 8.0 if ctx.quick else 90.0
    paced_seconds = 3.0 if ctx.quick else 8.0
    for spec in scenarios(ctx, chosen):
        try:
            results.extend(run_scenario(ctx, spec, records, batch, time_box, paced_seconds, paced_rate))
        except Exception as exc:  # one configuration failing must not hide the others' figures
            ctx.failures.append(f"end to end, {spec.label()}: {type(exc).__name__}: {str(exc)[:1500]}")
    return results


def print_e2e(ctx: Context, results: list[E2EResult], records: int, batch: int) -> None:
    """Figure 3's table, failed runs and stalls as failures, and the summary line against the targets."""
    setup = f"{ctx.db.vendor} + {ctx.broker.kind}"
    sup.print_table(f"3. Record-triggered runs end to end, real workers ({setup}; burst: {records} records in "
                    f"bulk writes of {batch}; flow: set, branch+set, record.update)", HEADERS_E2E,
                    [r.cells() for r in results])
    print("  runs/s: runs ended / (last run finished_at - first bulk commit), or up to the time box if runs are\n"
          "  left; latency: record created_at -> run finished_at; dispatch: record -> run row; queued: run row ->\n"
          "  claimed; exec: claimed -> finished (medians, ms). A burst's p99 is mostly queueing (~N / rate); the\n"
          "  paced load (run first, on idle workers) shows what one record waits when the engine keeps up.")
    for result in results:
        for text, n in result.errors.most_common(3):
            ctx.failures.append(f"end to end, {result.label}: {n} run(s) ended {text}")
        if "no progress" in result.note:
            ctx.failures.append(f"end to end, {result.label}: {result.note} (no beat here, and no periodic task "
                                f"calls flows.sweep, so the bench called maintenance.sweep() itself)")
    bursts = [r for r in results if r.offered is None and r.latencies]
    paced = [r for r in results if r.offered is not None and r.latencies]
    if not bursts:
        return
    best = max(bursts, key=lambda r: r.rate)
    line = f"end to end ({setup}): best burst {sup.fmt_rate(best.rate)} runs/s with {best.label}"
    if paced:
        calm = min(paced, key=lambda r: percentile(r.latencies, 0.99))
        line += (f"; paced {calm.offered:g}/s: p50 {statistics.median(calm.latencies) * 1000:,.0f} ms, p99 "
                 f"{percentile(calm.latencies, 0.99) * 1000:,.0f} ms ({calm.label})")
    first = bursts[0]
    if first is not best:
        line += f"; as `manage.py serve` runs it ({first.label}): {sup.fmt_rate(first.rate)} runs/s"
    line += f" — target >= {TARGET_RUNS}/s, p99 < {TARGET_P99:g} s on PostgreSQL + Redis; n8n: {N8N}"
    ctx.summary.append(line)


# --- main ------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    """Exit status 1 when a run failed, a worker died or a load stalled: the figures are then suspect."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--quick", action="store_true", help="small sizes, one worker configuration (< 60 s)")
    parser.add_argument("--profile", action="store_true", help="cProfile the in-process interpreter and execute")
    parser.add_argument("--records", type=int, help="records per end-to-end burst (default 2000, --quick 200)")
    parser.add_argument("--batch", type=int, default=500, help="records per bulk write (default 500)")
    parser.add_argument("--paced-rate", type=float, default=5.0,
                        help="records per second of the paced (latency) load before each burst; 0: none")
    parser.add_argument("--only", choices=["interpreter", "path", "e2e"], action="append",
                        help="run only these figures (repeatable)")
    parser.add_argument("--workers", type=int, help="end to end: this many worker processes (one configuration)")
    parser.add_argument("--pool", choices=["prefork", "threads", "solo"], default="prefork")
    parser.add_argument("--concurrency", type=int, default=2, help="pool size per worker (default 2)")
    parser.add_argument("--fs-poll", type=float,
                        help="file broker polling interval in seconds (default: the settings', 0.1 s)")
    parser.add_argument("--flow-concurrency", type=int, help="the flow's settings.concurrency (default 10)")
    args = parser.parse_args(argv)
    records = args.records or (200 if args.quick else 2000)
    only = set(args.only or ["interpreter", "path", "e2e"])

    started = time.perf_counter()
    broker = choose_broker()
    db = sup.setup_django()
    atexit.register(_stop_all_workers)  # registered after setup_django, so it runs before the database is dropped
    configure_app(broker)
    if broker.kind == "redis":
        atexit.register(delete_queue, broker)
    ctx = make_context(db, broker, args.quick, args.profile)
    facts = sup.machine_facts()
    facts.append(("broker", broker.describe()))
    facts.append(("load average", f"{load()} (1 and 5 min) at start; other test suites may share the cores"))
    sup.print_facts("Flow engine benchmark" + (" (--quick)" if args.quick else ""), facts)

    if "interpreter" in only:
        load_before = load()
        print_rates(ctx, bench_interpreter(ctx), load_before)
    if "path" in only:
        load_before = load()
        print_stages(ctx, bench_path_in_process(ctx), load_before)
    if "e2e" in only:
        chosen = None
        if args.workers or args.fs_poll is not None or args.flow_concurrency or args.pool != "prefork" \
                or args.concurrency != 2:
            chosen = WorkerSpec(args.workers or 1, args.pool, args.concurrency, args.fs_poll, args.flow_concurrency)
        results = bench_end_to_end(ctx, records, min(args.batch, records), chosen, args.paced_rate)
        print_e2e(ctx, results, records, min(args.batch, records))

    print("\nSummary")
    for line in ctx.summary:
        print(f"  - {line}")
    print(f"  targets: >= {TARGET_STEPS:,} steps/s in process; >= {TARGET_RUNS} record-triggered runs/s end to end "
          f"on PostgreSQL + Redis with p99 trigger-to-last-step < {TARGET_P99:g} s; n8n on this machine: {N8N}")
    print(f"  load average at the end: {load()}; total time {time.perf_counter() - started:.0f} s")
    if ctx.failures:
        print("\nFailures")
        for failure in ctx.failures:
            print(f"  - {failure}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
