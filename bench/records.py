"""How fast Weft writes records and guarded counter adjustments, and whether stock is ever oversold.

Run: ``.venv/bin/python bench/records.py [--quick]`` (SQLite), or with
``DATABASE_URL=postgres://USER@HOST:PORT/DB`` (a fresh ``weft_bench_<pid>``
database is created on that server and dropped at exit; the database named in
the URL is not touched).

Why each figure is measured the way it is:

1. Records created per second, one record per HTTP request, through daphne in
   a child process (what ``manage.py serve`` runs in production) driven by N
   client threads on keep-alive connections, because that includes everything
   a client pays for: HTTP parsing, the ASGI-to-sync hop, token lookup, DRF.
   The same through Django's in-process test client and through the service
   alone, so the difference shows what the server layers cost.
2. Bulk upsert in batches of 1000 (half new keys, half existing ones changed),
   via the service and via ``POST .../records/bulk/``: the path of a catalogue
   or stock import.
3. Guarded adjustments of ONE hot counter by N clients (threads, each with its
   own connection): a flash sale on one SKU. Demand exceeds the stock, and
   the run checks that nothing was oversold and that the counter equals its
   start plus the ledger. The naive read-check-save way runs at the same
   concurrency to show what the guard costs and what skipping it loses.

The targets from the issue (PostgreSQL): bulk upsert >= 10,000 records/s;
>= 5,000 guarded adjustments/s on one hot counter with 64 clients, 0 oversold.
"""

from __future__ import annotations

import argparse
import contextlib
import os
import statistics
import sys
import threading
import time
import traceback
import uuid
from collections import Counter as Tally
from dataclasses import dataclass, field
from typing import Any

import _support as sup

FORM_KEY = "items"
FIELDS: list[dict[str, Any]] = [
    {"key": "sku", "type": "text", "required": True},
    {"key": "name", "type": "text"},
    {"key": "qty", "type": "integer"},
    {"key": "price", "type": "decimal", "decimal_places": 2},
    {"key": "available", "type": "counter", "min": 0},
]
TARGET_BULK = 10_000
TARGET_ADJUST = 5_000
TARGET_ADJUST_CLIENTS = 64


@dataclass
class Sizes:
    """How much work each figure does; ``--quick`` keeps the whole run under 30 s for CI smoke tests.

    The one-record-per-request figures stop at ``time_box`` seconds if the
    count is not reached by then, so a slow disk makes them noisier, not longer.
    The counter runs always do all their attempts: the oversell check needs the
    demand to exceed the stock. ``--quick`` also shrinks the bulk batches to 100
    rows (the table says so): a 1000-row batch alone can take seconds.
    """

    http_requests: int
    http_clients: list[int]
    inprocess_requests: int
    time_box: float
    bulk_batches: int
    api_bulk_batches: int
    adjust_attempts: int
    counter_clients: list[int]
    batch: int = 1000


def sizes_for(quick: bool, postgres: bool) -> Sizes:
    clients = [1, 8, 64] if postgres else [1, 4, 8]
    if quick:
        return Sizes(http_requests=400, http_clients=[1, 8], inprocess_requests=400, time_box=1.0,
                     bulk_batches=1, api_bulk_batches=1, adjust_attempts=150, counter_clients=clients,
                     batch=100)
    return Sizes(http_requests=3000, http_clients=[1, 8, 32], inprocess_requests=2000, time_box=20.0,
                 bulk_batches=10, api_bulk_batches=5, adjust_attempts=4000, counter_clients=clients)


@dataclass
class Context:
    """What every figure needs: the database, the workspace owner, a token and the form."""

    db: sup.BenchDB
    member: Any
    token: str
    form: Any
    server: sup.Server | None = None
    summary: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    @property
    def records_path(self) -> str:
        return f"/api/v1/forms/{FORM_KEY}/records/"


def make_context(db: sup.BenchDB) -> Context:
    from django.contrib.auth import get_user_model

    from apps.accounts.models import Member
    from apps.accounts.services import create_workspace, issue_token
    from apps.forms.services.forms import create_form

    user = get_user_model().objects.create_user(username="bench-owner", password=None)
    workspace = create_workspace("Bench shop", user, slug="bench")
    member = Member.objects.select_related("workspace", "user").get(workspace=workspace, user=user)
    _, token = issue_token(member, "bench")
    form = create_form(workspace, {"key": FORM_KEY, "name": "Items", "fields": FIELDS, "unique_key": ["sku"]},
                       member=member)
    return Context(db=db, member=member, token=token, form=form)


def record_body(sku: str, qty: int = 1, *, stock: bool = True) -> dict[str, Any]:
    """A record as an integration sends it; ``stock`` only on create (a counter then changes by adjustments)."""
    body: dict[str, Any] = {"sku": sku, "name": f"Item {sku}", "qty": qty, "price": "19.90"}
    if stock:
        body["available"] = 10
    return body


def percentile(values: list[float], fraction: float) -> float:
    if not values:
        return 0.0
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]


# --- 1. one record per request ----------------------------------------------------------------


@dataclass
class CreateRow:
    """One line of figure 1; ``sessions`` is how many database connections the server opened meanwhile."""

    path: str
    done: int
    elapsed: float
    latencies: list[float]
    cores: str
    sessions: int | None = None
    failed: int = 0

    @property
    def rate(self) -> float:
        return self.done / self.elapsed

    def cells(self) -> list[Any]:
        requests = self.done + self.failed
        per_request = "" if self.sessions is None else f"{self.sessions / max(requests, 1):.2f}"
        if not self.latencies:  # every request failed: the failures are listed at the end
            return [self.path, 0, f"{self.elapsed:.2f}", "-", "-", "-", per_request, self.cores]
        return [self.path, self.done, f"{self.elapsed:.2f}", sup.fmt_rate(self.rate),
                f"{statistics.median(self.latencies) * 1000:.1f}",
                f"{percentile(self.latencies, 0.99) * 1000:.1f}", per_request, self.cores]


def db_sessions(ctx: Context) -> int | None:
    """Connections ever opened to the bench database (PostgreSQL >= 14), to see whether the server reuses them."""
    if not ctx.db.is_postgres:
        return None
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_stat_clear_snapshot()")
        cursor.execute("SELECT sessions FROM pg_stat_database WHERE datname = current_database()")
        row = cursor.fetchone()
    return None if row is None else int(row[0])


def create_over_http(ctx: Context, clients: int, total: int, time_box: float) -> CreateRow:
    """``clients`` threads, each on its own keep-alive connection to daphne, POST one record per request."""
    assert ctx.server is not None
    server = ctx.server
    counts = sup.split(total, clients)
    run_id = uuid.uuid4().hex[:8]
    bad: list[str] = []
    failed = [0]
    deadline = [0.0]

    def work(index: int, barrier: threading.Barrier) -> list[float]:
        client = sup.JsonClient(server.host, server.port, ctx.token)
        status, body = client.post(ctx.records_path, record_body(f"warm-{run_id}-{index}"))
        if status != 201:
            raise RuntimeError(f"warm-up request answered {status}: {body}")
        barrier.wait()
        latencies = []
        for n in range(counts[index]):
            start = time.perf_counter()
            status, body = client.post(ctx.records_path, record_body(f"h-{run_id}-{index}-{n}"))
            if status == 201:
                latencies.append(time.perf_counter() - start)
            else:  # counted apart: a fast 500 is not a record created
                failed[0] += 1
                if len(bad) < 2:
                    bad.append(f"{status} {' '.join(str(body).split())[:120]}")
            if start > deadline[0]:
                break
        client.close()
        return latencies

    if ctx.db.is_postgres:
        time.sleep(0.6)  # let the warm-up connections reach pg_stat_database before counting sessions
    sessions_before = db_sessions(ctx)
    before = sup.cpu_sample(server.pid, ctx.db.is_postgres)
    run = sup.run_threads(clients, work, on_start=lambda: deadline.__setitem__(0, time.perf_counter() + time_box))
    after = sup.cpu_sample(server.pid, ctx.db.is_postgres)
    if ctx.db.is_postgres:
        time.sleep(0.6)  # pg_stat_database is updated at most every 500 ms
    sessions_after = db_sessions(ctx)
    if run.errors or bad:
        tail = " | ".join(line for line in server.log_tail(200).splitlines()
                          if "Error" in line or "FATAL" in line)[-400:]
        ctx.failures.append(f"HTTP create x{clients}: {failed[0]} requests failed, e.g. {(run.errors or bad)[:2]}; "
                            f"daphne log: {tail}")
    latencies = [x for r in run.results if r for x in r]
    sessions = None if sessions_before is None or sessions_after is None else sessions_after - sessions_before
    label = f"daphne HTTP, {clients} client{'s' if clients > 1 else ''}"
    if failed[0]:
        label += f" ({failed[0]} FAILED)"
    return CreateRow(label, len(latencies), run.elapsed,
                     latencies, sup.cpu_share(before, after), sessions, failed[0])


def timed_loop(ctx: Context, path: str, total: int, time_box: float, call: Any) -> CreateRow:
    """``call(n)`` until ``total`` calls or ``time_box`` seconds, in this thread."""
    call(-1)  # warm-up, not counted
    latencies = []
    before = sup.cpu_sample(None, ctx.db.is_postgres)
    start = time.perf_counter()
    deadline = start + time_box
    for n in range(total):
        t0 = time.perf_counter()
        call(n)
        latencies.append(time.perf_counter() - t0)
        if t0 > deadline:
            break
    elapsed = time.perf_counter() - start
    return CreateRow(path, len(latencies), elapsed, latencies,
                     sup.cpu_share(before, sup.cpu_sample(None, ctx.db.is_postgres)))


def create_in_process(ctx: Context, total: int, time_box: float) -> CreateRow:
    """Django's test client: the same view stack without sockets, ASGI or a second process."""
    from rest_framework.test import APIClient

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {ctx.token}")
    run_id = uuid.uuid4().hex[:8]

    def call(n: int) -> None:
        response = client.post(ctx.records_path, record_body(f"t-{run_id}-{n}"), format="json")
        if response.status_code != 201:
            raise RuntimeError(f"test client create: {response.status_code} {response.content[:200]!r}")

    return timed_loop(ctx, "test client, in-process, 1 client", total, time_box, call)


def create_via_service(ctx: Context, total: int, time_box: float) -> CreateRow:
    """``create_record`` alone: the floor under both HTTP figures (validation, the INSERTs, one commit)."""
    from apps.forms.services.records import create_record

    run_id = uuid.uuid4().hex[:8]

    def call(n: int) -> None:
        create_record(ctx.form, record_body(f"s-{run_id}-{n}"), member=ctx.member)

    return timed_loop(ctx, "service create_record(), 1 client", total, time_box, call)


def figure_create(ctx: Context, sizes: Sizes) -> None:
    http = {clients: create_over_http(ctx, clients, sizes.http_requests, sizes.time_box)
            for clients in sizes.http_clients}
    in_process = create_in_process(ctx, sizes.inprocess_requests, sizes.time_box)
    service = create_via_service(ctx, sizes.inprocess_requests, sizes.time_box)
    rows = [row.cells() for row in (*http.values(), in_process, service)]
    sup.print_table("1. Records created, one per request (db conn/req: connections the server opened per request)",
                    ["path", "records", "seconds", "records/s", "p50 ms", "p99 ms", "db conn/req", "cores busy"],
                    rows)
    best = max(http, key=lambda n: http[n].rate)
    first = sizes.http_clients[0]
    ctx.summary.append(
        f"1. create, one per request: {sup.fmt_rate(http[best].rate)}/s over HTTP (daphne, {best} clients; "
        f"{first} client {sup.fmt_rate(http[first].rate)}/s), {sup.fmt_rate(in_process.rate)}/s test client, "
        f"{sup.fmt_rate(service.rate)}/s service alone")


# --- 2. bulk upsert ----------------------------------------------------------------------------------


def seed(ctx: Context, keys: list[str]) -> None:
    """The rows that the upsert batches will find and update (not timed)."""
    from apps.forms.services.records import bulk_write

    for start in range(0, len(keys), 1000):
        bulk_write(ctx.form, [record_body(k) for k in keys[start:start + 1000]], member=ctx.member)


def upsert_batches(prefix: str, batches: int, batch: int) -> tuple[list[str], list[list[dict[str, Any]]]]:
    """Each batch: half keys that exist (qty changed, so each is a real update), half new keys."""
    half = batch // 2
    existing = [f"{prefix}-old-{b}-{i}" for b in range(batches) for i in range(half)]
    bodies = []
    for b in range(batches):
        rows = [record_body(f"{prefix}-old-{b}-{i}", qty=2, stock=False) for i in range(half)]
        rows += [record_body(f"{prefix}-new-{b}-{i}") for i in range(batch - half)]
        bodies.append(rows)
    return existing, bodies


def figure_bulk(ctx: Context, sizes: Sizes) -> None:
    from apps.forms.services.records import bulk_write

    rows_out = []
    prefix = uuid.uuid4().hex[:6]
    existing, service_batches = upsert_batches(f"bs{prefix}", sizes.bulk_batches, sizes.batch)
    existing_api, api_batches = upsert_batches(f"ba{prefix}", sizes.api_bulk_batches, sizes.batch)
    existing_warm, warm_batches = upsert_batches(f"bw{prefix}", 2, 20)
    seed(ctx, existing + existing_api + existing_warm)
    assert ctx.server is not None
    client = sup.JsonClient(ctx.server.host, ctx.server.port, ctx.token, timeout=300)
    # Warm-up (not timed): the first bulk call of a process pays for imports and query compilation.
    bulk_write(ctx.form, warm_batches[0], member=ctx.member, upsert=True)
    client.post(f"{ctx.records_path}bulk/", {"records": warm_batches[1], "upsert": True})

    times = []
    before = sup.cpu_sample(None, ctx.db.is_postgres)
    for rows in service_batches:
        with sup.stopwatch() as took:
            result = bulk_write(ctx.form, rows, member=ctx.member, upsert=True)
        times.append(took[0])
        created = sum(result.created)
        if created != len(rows) - len(rows) // 2:
            ctx.failures.append(f"bulk service: {created} created of {len(rows)}, expected half")
    after = sup.cpu_sample(None, ctx.db.is_postgres)
    total = sum(len(r) for r in service_batches)
    service_rate = total / sum(times)
    rows_out.append(["service bulk_write(upsert=True)", len(service_batches), total, f"{sum(times):.2f}",
                     sup.fmt_rate(service_rate), f"{statistics.median(times) * 1000:.0f}",
                     sup.cpu_share(before, after)])

    times = []
    before = sup.cpu_sample(ctx.server.pid, ctx.db.is_postgres)
    for rows in api_batches:
        with sup.stopwatch() as took:
            status, body = client.post(f"{ctx.records_path}bulk/", {"records": rows, "upsert": True})
        times.append(took[0])
        if status != 201 or body.get("created") != len(rows) - len(rows) // 2:
            ctx.failures.append(f"bulk API: {status} {str(body)[:200]}")
    after = sup.cpu_sample(ctx.server.pid, ctx.db.is_postgres)
    client.close()
    total = sum(len(r) for r in api_batches)
    api_rate = total / sum(times)
    rows_out.append(["API POST records/bulk/ (daphne)", len(api_batches), total, f"{sum(times):.2f}",
                     sup.fmt_rate(api_rate), f"{statistics.median(times) * 1000:.0f}",
                     sup.cpu_share(before, after)])
    sup.print_table(f"2. Bulk upsert, batches of {sizes.batch} (half new, half existing and changed)",
                    ["path", "batches", "records", "seconds", "records/s", "ms/batch", "cores busy"], rows_out)
    verdict = target_verdict(ctx, service_rate, TARGET_BULK)
    ctx.summary.append(f"2. bulk upsert: {sup.fmt_rate(service_rate)} records/s via the service, "
                       f"{sup.fmt_rate(api_rate)} records/s via the API; target >= {TARGET_BULK:,}/s on "
                       f"PostgreSQL: {verdict}")


def target_verdict(ctx: Context, value: float, target: float, extra_ok: bool = True) -> str:
    if not ctx.db.is_postgres:
        return "n/a on SQLite"
    return "MET" if value >= target and extra_ok else f"NOT MET ({value / target:.0%} of it)"


# --- 3. hot counter ------------------------------------------------------------------------------------


@dataclass
class CounterRun:
    mode: str
    clients: int
    attempts: int
    stock: int
    elapsed: float
    sold: int
    refused: int
    final: int
    ledger_sum: int | None
    ledger_rows: int | None
    cores: str
    waits: list[tuple[str, float]] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return self.attempts / self.elapsed

    @property
    def oversold(self) -> int:
        """Units sold minus units there were: > 0 means promises that cannot be kept."""
        return max(0, self.sold - self.stock)

    @property
    def consistent(self) -> bool:
        """The guarded run's invariants: never below 0, counter = start + ledger, one ledger row per sale."""
        if self.ledger_sum is None:
            return self.final >= 0
        return (self.final >= 0 and self.final == self.stock + self.ledger_sum
                and self.ledger_rows == self.sold and self.final == self.stock - self.sold)


def hot_counter(ctx: Context, stock: int) -> tuple[Any, int]:
    """A fresh record whose ``available`` counter starts at ``stock``; returns (record, counter id)."""
    from apps.forms.models import Counter
    from apps.forms.services.records import create_record

    record = create_record(ctx.form, {"sku": f"hot-{uuid.uuid4().hex[:8]}", "available": stock},
                           member=ctx.member)
    return record, Counter.objects.get(record=record, field="available").pk


class WaitSampler:
    """Samples pg_stat_activity of the bench database every few ms: where do the backends spend time?

    Uses its own psycopg connection (not Django's) so that it is not one of the
    measured connections.
    """

    def __init__(self, interval: float = 0.005) -> None:
        self.interval = interval
        self.tally: Tally[str] = Tally()
        self.samples = 0
        self._stop = threading.Event()
        self._thread: threading.Thread | None = None
        self._conn: Any = None

    def start(self) -> None:
        import psycopg
        from django.db import connection

        params = connection.get_connection_params()
        params.pop("cursor_factory", None)
        params.pop("context", None)
        params.pop("prepare_threshold", None)
        self._conn = psycopg.connect(**params, autocommit=True)
        self._thread = threading.Thread(target=self._loop, daemon=True)
        self._thread.start()

    def _loop(self) -> None:
        query = ("SELECT state, coalesce(wait_event_type || ':' || wait_event, 'on CPU'), count(*)"
                 " FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()"
                 " AND backend_type = 'client backend' GROUP BY 1, 2")
        while not self._stop.is_set():
            for state, wait, count in self._conn.execute(query).fetchall():
                label = "idle (client side)" if state == "idle" else (
                    f"{state}: {wait}" if state != "active" else wait)
                self.tally[label] += count
            self.samples += 1
            time.sleep(self.interval)

    def stop(self) -> list[tuple[str, float]]:
        self._stop.set()
        if self._thread:
            self._thread.join()
        self._conn.close()
        total = sum(self.tally.values()) or 1
        return [(label, n / total) for label, n in self.tally.most_common(6)]


def guarded_run(ctx: Context, clients: int, attempts: int, stock: int, sample_waits: bool) -> CounterRun:
    """N threads take one unit each time through ``adjust`` (guarded UPDATE, ledger row, outbox event)."""
    from django.db import connection
    from django.db.models import Count, Sum

    from apps.forms.errors import GuardFailed
    from apps.forms.models import Counter, CounterEntry
    from apps.forms.services.counters import Adjustment, adjust

    record, counter_id = hot_counter(ctx, stock)
    counts = sup.split(attempts, clients)
    run_id = uuid.uuid4().hex[:8]

    def work(index: int, barrier: threading.Barrier) -> tuple[int, int]:
        connection.ensure_connection()
        barrier.wait()
        sold = refused = 0
        for n in range(counts[index]):
            try:
                adjust(ctx.form, Adjustment(record.pk, "available", -1, key=f"{run_id}-{index}-{n}"),
                       member=ctx.member)
                sold += 1
            except GuardFailed:
                refused += 1
        return sold, refused

    sampler = WaitSampler() if sample_waits else None
    before = sup.cpu_sample(None, ctx.db.is_postgres)
    run = sup.run_threads(clients, work, on_start=sampler.start if sampler else None)
    after = sup.cpu_sample(None, ctx.db.is_postgres)
    waits = sampler.stop() if sampler else []
    if run.errors:
        ctx.failures.append(f"guarded x{clients}: {run.errors[:2]!r}")
    sold = sum(r[0] for r in run.results if r)
    refused = sum(r[1] for r in run.results if r)
    final = Counter.objects.values_list("value", flat=True).get(pk=counter_id)
    ledger = CounterEntry.objects.filter(counter_id=counter_id).aggregate(total=Sum("delta"), rows=Count("id"))
    return CounterRun("guarded adjust()", clients, attempts, stock, run.elapsed, sold, refused, final,
                      ledger["total"] or 0, ledger["rows"], sup.cpu_share(before, after), waits)


def naive_run(ctx: Context, clients: int, attempts: int, stock: int) -> CounterRun:
    """What the guard replaces: read the value, check it in Python, write value - 1. No lock, no ledger.

    Runs in autocommit, as a view without ``atomic`` would. A lost update is a
    unit sold whose decrement another client overwrote: the sale counts, the
    stock does not go down, and more units are sold than there were.
    """
    from apps.forms.models import Counter

    _record, counter_id = hot_counter(ctx, stock)
    counts = sup.split(attempts, clients)

    def work(index: int, barrier: threading.Barrier) -> tuple[int, int]:
        from django.db import connection

        connection.ensure_connection()
        rows = Counter.objects.filter(pk=counter_id)
        barrier.wait()
        sold = refused = 0
        for _ in range(counts[index]):
            value = rows.values_list("value", flat=True).get()
            if value - 1 < 0:
                refused += 1
                continue
            rows.update(value=value - 1)
            sold += 1
        return sold, refused

    before = sup.cpu_sample(None, ctx.db.is_postgres)
    run = sup.run_threads(clients, work)
    after = sup.cpu_sample(None, ctx.db.is_postgres)
    if run.errors:
        ctx.failures.append(f"naive x{clients}: {run.errors[:2]!r}")
    sold = sum(r[0] for r in run.results if r)
    refused = sum(r[1] for r in run.results if r)
    final = Counter.objects.values_list("value", flat=True).get(pk=counter_id)
    return CounterRun("naive read-check-save", clients, attempts, stock, run.elapsed, sold, refused, final,
                      None, None, sup.cpu_share(before, after))


def statement_label(sql: str) -> str:
    """'INSERT forms_event' from the full SQL: the verb and the table are what a round-trip count needs."""
    words = sql.replace('"', "").split()
    verb = words[0].upper() if words else "?"
    if verb in ("SAVEPOINT", "BEGIN", "COMMIT", "ROLLBACK"):
        return verb
    if verb == "RELEASE":
        return "RELEASE SAVEPOINT"
    upper = [w.upper() for w in words]
    for marker in ("INTO", "UPDATE", "FROM"):
        if marker in upper[:-1] and (marker != "UPDATE" or verb == "UPDATE"):
            return f"{verb} {words[upper.index(marker) + 1].split('.')[0].split('(')[0]}"
    return verb


def statements_per_adjust(ctx: Context) -> list[str]:
    """The SQL one guarded adjust sends (also warms the code path up before the timed runs).

    Each statement is a round trip; those after the UPDATE run while the hot row is locked.
    """
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from apps.forms.services.counters import Adjustment, adjust

    record, _ = hot_counter(ctx, 10)
    adjust(ctx.form, Adjustment(record.pk, "available", -1, key="warm"), member=ctx.member)
    with CaptureQueriesContext(connection) as captured:
        adjust(ctx.form, Adjustment(record.pk, "available", -1, key="counted"), member=ctx.member)
    labels = [statement_label(q["sql"]) for q in captured.captured_queries]
    if labels and labels[0] != "BEGIN" and not labels[0].startswith("BEGIN"):
        labels.insert(0, "(BEGIN)")  # psycopg sends it implicitly, unlogged
    if "COMMIT" not in labels:
        labels.append("(COMMIT)")
    return labels


def figure_counters(ctx: Context, sizes: Sizes) -> None:
    attempts = sizes.adjust_attempts
    stock = attempts * 9 // 10  # demand is 10% over the stock: the last attempts must be refused
    statements = statements_per_adjust(ctx)
    rows, by_clients = [], {}
    for clients in sizes.counter_clients:
        sample = ctx.db.is_postgres and clients == max(sizes.counter_clients)
        guarded = guarded_run(ctx, clients, attempts, stock, sample)
        naive = naive_run(ctx, clients, attempts, stock)
        by_clients[clients] = (guarded, naive)
        for run in (guarded, naive):
            check = ("ok" if run.consistent and run.oversold == 0 else
                     "OVERSOLD" if run.oversold else "INCONSISTENT")
            if run is guarded and check != "ok":
                ctx.failures.append(f"guarded x{clients}: {check} (sold {run.sold}, stock {run.stock}, "
                                    f"final {run.final}, ledger {run.ledger_sum})")
            rows.append([run.mode, clients, run.attempts, run.stock, f"{run.elapsed:.2f}", sup.fmt_rate(run.rate),
                         f"{guarded.rate / naive.rate:.2f}x" if run is guarded else "", run.sold, run.final,
                         run.oversold, check, run.cores])
    sup.print_table(
        f"3. One hot counter: {attempts} attempts to take 1 unit, stock {stock} (ratio = guarded / naive)",
        ["mode", "clients", "attempts", "stock", "seconds", "adjust/s", "ratio", "sold", "final", "oversold",
         "check", "cores busy"], rows)
    print(f"\n   round trips per guarded adjust: {len(statements)}: " + ", ".join(statements))
    top = max(sizes.counter_clients)
    guarded, naive = by_clients[top]
    if guarded.waits:
        print(f"   pg_stat_activity at {top} clients (share of backend samples): "
              + "; ".join(f"{label} {share:.0%}" for label, share in guarded.waits))
    verdict = target_verdict(ctx, guarded.rate, TARGET_ADJUST,
                             extra_ok=top >= TARGET_ADJUST_CLIENTS and guarded.oversold == 0)
    ctx.summary.append(
        f"3. hot counter at {top} clients: {sup.fmt_rate(guarded.rate)} guarded adjust/s, oversold "
        f"{guarded.oversold}, {'consistent' if guarded.consistent else 'INCONSISTENT'}; naive "
        f"{sup.fmt_rate(naive.rate)}/s ({guarded.rate / naive.rate:.2f}x), oversold {naive.oversold}; "
        f"target >= {TARGET_ADJUST:,}/s at {TARGET_ADJUST_CLIENTS} clients on PostgreSQL, 0 oversold: {verdict}")


def timed(figure: Any, ctx: Context, sizes: Sizes) -> None:
    """Run one figure and say how long it took: what to shrink when ``--quick`` outgrows CI's patience."""
    start = time.perf_counter()
    try:
        figure(ctx, sizes)
    except Exception as exc:  # one broken figure must not hide the others' figures
        traceback.print_exc()
        ctx.failures.append(f"{figure.__name__}: {type(exc).__name__}: {exc}")
    print(f"   ({figure.__name__} took {time.perf_counter() - start:.1f} s; load {load_text()})")


def load_text() -> str:
    """The 1/5/15-minute load: on a shared 2-core machine, figures taken at load 6 are not figures at load 0."""
    one, five, fifteen = os.getloadavg()
    return f"{one:.1f} / {five:.1f} / {fifteen:.1f} (1/5/15 min) on {os.cpu_count()} cores"


# --- main --------------------------------------------------------------------------------------------------


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="small counts: the whole run in < 30 s (CI smoke)")
    args = parser.parse_args(argv)
    started = time.perf_counter()
    db = sup.setup_django()
    sizes = sizes_for(args.quick, db.is_postgres)
    facts = sup.machine_facts()
    import daphne

    facts.append(("http server", f"daphne {daphne.__version__} (ASGI, child process, 127.0.0.1)"))
    facts.append(("mode", "quick (smoke test: small counts, noisy figures)" if args.quick else "full"))
    facts.append(("load average", load_text()))
    sup.print_facts("Weft records benchmark", facts)
    ctx = make_context(db)
    ctx.server = sup.start_daphne(db)
    try:
        timed(figure_create, ctx, sizes)
        if ctx.failures:  # a server that ran out of database connections stays broken: start afresh
            ctx.server.stop()
            ctx.server = sup.start_daphne(db)
        timed(figure_bulk, ctx, sizes)
    finally:
        ctx.server.stop()  # its connections must not count against the 64 of figure 3
    timed(figure_counters, ctx, sizes)
    print(f"\nTargets (issue, PostgreSQL): bulk upsert >= {TARGET_BULK:,} records/s; >= {TARGET_ADJUST:,} "
          f"guarded adjustments/s on one hot counter with {TARGET_ADJUST_CLIENTS} clients, 0 oversold.")
    print("Summary:")
    for line in ctx.summary:
        print(f"  {line}")
    print(f"\nTotal time {time.perf_counter() - started:.1f} s; load average at the end {load_text()}.")
    if ctx.failures:
        print("\nFAILURES:", file=sys.stderr)
        for line in ctx.failures:
            print(f"  {line}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    with contextlib.suppress(KeyboardInterrupt):
        sys.exit(main())
    sys.exit(130)
