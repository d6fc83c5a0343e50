"""How many signed webhook deliveries Weft accepts and processes per second, and whether replays stay out.

Run: ``.venv/bin/python bench/webhooks.py`` — SQLite with the filesystem broker
always, then PostgreSQL with Redis when ``DATABASE_URL`` (and ``REDIS_URL`` or a
Redis ``CELERY_BROKER_URL``) are set; each in a child process of its own. A
fresh ``weft_bench_<pid>`` database is created on the URL's server and dropped
at exit (the database named in the URL is not touched); the Redis broker uses
db ``WEFT_BENCH_REDIS_DB`` (default 12) and a queue of this run only.
``--backend sqlite|postgres`` runs one of them.

The server is the real one on loopback: the web command of ``manage.py serve``
(whatever server and process count it chooses), serving Weft's ASGI
application plus one trivial URL. Why each figure is measured the way it is:

1. Accepted deliveries per second at a fixed concurrency (closed loop: each
   connection sends its next delivery when the answer comes), next to the same
   load on the trivial URL that stores nothing (the stack's ceiling: the ratio
   says how much of it the intake leaves), and a paced load (open loop, fixed
   rate) for the latency a sender sees when the server keeps up. Deliveries are
   Standard Webhooks-signed orders (~500 bytes), built and signed before the
   clock starts; the client is an asyncio loop on raw keep-alive sockets, and
   its own CPU is printed with the server's (and PostgreSQL's): on two cores
   they share, a figure means little without it. Every request is checked
   (202, and afterwards every delivery in the database).
2. Replays and bad signatures under load: new deliveries mixed with replays of
   stored ones and of ones sent in the same burst (same webhook-id and body,
   signed again), and deliveries signed with a wrong secret. Every replay must
   answer 200 ``duplicate`` naming the stored delivery, no second row may exist,
   and every bad signature must answer 401.
3. Processing with a real Celery worker (started as ``manage.py serve`` starts
   one): first the backlog left by 1 and 2 (deliveries/s from the worker's
   start to the last one processed), then end to end: deliveries sent while the
   worker runs, rate from the first accepted to the last record stored. Orders
   are upserted into a form by its unique key, some orders get later updates
   (older ones are skipped by the endpoint's guard), some deliveries are
   replays; the check is that each accepted delivery was processed exactly once
   and each order is one record.

Targets (2 cores, client on the same cores): PostgreSQL >= 2,000 accepted/s with
p99 < 50 ms, >= 1,000 processed/s end to end; SQLite >= 500 accepted/s.
Options: ``--deliveries N`` (figure 1), ``--concurrency N``, ``--rate R`` and
``--seconds S`` (paced), ``--mixed N`` (figure 2), ``--e2e N`` (figure 3),
``--workers N`` (worker pool processes, default 2 as ``serve``),
``--web-processes N`` (default: what ``serve`` starts), ``--only
accept|replays|processing`` (repeatable). ``WEFT_BENCH_KEEP_LOGS=DIR`` keeps the
server's and worker's logs. Without flags SQLite takes about 30 s and
PostgreSQL about 40 s.
"""

from __future__ import annotations

import argparse
import atexit
import json
import os
import random
import subprocess
import sys
import time
import uuid
from collections import Counter as Tally
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import _support as sup
import _webhooks_load as load
import _webhooks_stack as stack

TARGET_ACCEPT_PG = 2000
TARGET_P99_MS = 50
TARGET_PROCESS_PG = 1000
TARGET_ACCEPT_SQLITE = 500
STATELESS_TOOL = "a stateless flow tool that stores nothing: about 2,350 req/s on this machine"

ORDER_FIELDS: list[dict[str, Any]] = [
    {"key": "order_id", "type": "text"},
    {"key": "status", "type": "text"},
    {"key": "status_rank", "type": "integer"},
    {"key": "changed_at", "type": "datetime"},
    {"key": "total", "type": "decimal", "decimal_places": 2},
    {"key": "buyer", "type": "text"},
]
MAPPING = {"order_id": "{{ body.id }}", "status": "{{ body.status }}", "status_rank": "{{ body.rank }}",
           "changed_at": "{{ body.updated }}", "total": "{{ body.amount }}", "buyer": "{{ body.buyer.name }}"}
GUARD = ["changed_at", "status_rank"]
STATUSES = [("paid", 20), ("shipped", 30), ("completed", 40)]


@dataclass
class Sizes:
    deliveries: int
    concurrency: int
    rate: float
    seconds: float
    mixed: int
    e2e: int


def sizes_for(args: argparse.Namespace, postgres: bool) -> Sizes:
    return Sizes(deliveries=args.deliveries or (10000 if postgres else 4000),
                 concurrency=args.concurrency,
                 rate=args.rate or (1500.0 if postgres else 400.0),
                 seconds=args.seconds,
                 mixed=args.mixed or (5000 if postgres else 2000),
                 e2e=args.e2e or (10000 if postgres else 3000))


@dataclass
class Context:
    db: sup.BenchDB
    broker: stack.Broker
    endpoint: Any
    form: Any
    web: stack.Proc | None = None
    port: int = 0
    summary: list[str] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    # delivery id -> (stored pk, body) of every delivery accepted so far
    stored: dict[str, tuple[int, bytes]] = field(default_factory=dict)

    @property
    def path(self) -> str:
        return f"/api/v1/hooks/in/{self.endpoint.token}/"

    def check(self, ok: bool, message: str) -> bool:
        if not ok:
            self.failures.append(message)
        return ok


def make_context(db: sup.BenchDB, broker: stack.Broker) -> Context:
    from django.contrib.auth import get_user_model

    from apps.accounts.models import Member
    from apps.accounts.services import create_workspace
    from apps.connectors.inbound.endpoints import create_endpoint
    from apps.forms.services.forms import create_form

    user = get_user_model().objects.create_user(username="bench-owner", password=None)
    workspace = create_workspace("Bench shop", user, slug="bench")
    member = Member.objects.get(workspace=workspace, user=user)
    form = create_form(workspace, {"key": "orders", "name": "Orders", "fields": ORDER_FIELDS,
                                   "unique_key": ["order_id"]}, member=member)
    endpoint = create_endpoint(workspace, {"key": "shop", "name": "Shop", "form": "orders", "mapping": MAPPING,
                                           "guard": GUARD}, member=member)
    return Context(db=db, broker=broker, endpoint=endpoint, form=form)


# --- deliveries ---------------------------------------------------------------------------------------


def order_body(order_id: str, step: int = 0, seq: int = 0) -> bytes:
    """An order as a shop sends it: ~500 bytes with a buyer and three lines."""
    status, rank = STATUSES[min(step, len(STATUSES) - 1)]
    return json.dumps({
        "id": order_id, "status": status, "rank": rank, "updated": f"2026-11-11T0{step}:00:{seq % 60:02d}Z",
        "amount": f"{100 + seq % 900}.90", "currency": "CNY",
        "buyer": {"name": f"Buyer {seq % 97}", "phone": "138****0000", "city": "Hangzhou"},
        "lines": [{"sku": f"SKU-{(seq + n) % 500}", "qty": 1 + n, "price": "33.30"} for n in range(3)],
        "channel": "own-shop", "note": "",
    }).encode()


def signed(ctx: Context, body: bytes, delivery_id: str, secret: str | None = None) -> bytes:
    from apps.connectors.verification import modes

    headers = modes.get("standard_webhooks").sign({}, secret or ctx.endpoint.secret, body, delivery_id=delivery_id,
                                                  timestamp=int(time.time()))
    return load.request_bytes("127.0.0.1", ctx.port, ctx.path, body, headers)


def new_deliveries(ctx: Context, count: int, tag: str) -> list[tuple[str, bytes]]:
    return [(f"msg_{tag}_{n}", order_body(f"{tag}-{n}", 0, n)) for n in range(count)]


def answers(result: load.LoadResult) -> list[dict]:
    out = []
    for raw in result.bodies:
        try:
            out.append(json.loads(raw) if raw else {})
        except ValueError:
            out.append({"unreadable": raw[:200].decode(errors="replace")})
    return out


def stored_ids(ctx: Context, delivery_ids: list[str]) -> dict[str, list[int]]:
    """delivery id -> pks of the rows the database holds for it (more than one would be a double store)."""
    from apps.connectors.models import Delivery

    found: dict[str, list[int]] = {}
    delivery_ids = sorted(set(delivery_ids))
    for offset in range(0, len(delivery_ids), 2000):
        chunk = delivery_ids[offset:offset + 2000]
        for pk, did in Delivery.objects.filter(endpoint=ctx.endpoint, delivery_id__in=chunk).values_list(
                "pk", "delivery_id"):
            found.setdefault(did, []).append(pk)
    return found


def verify_accepted(ctx: Context, label: str, sent: list[tuple[str, bytes]], result: load.LoadResult) -> bool:
    """Every delivery answered 202 with its id, and the database holds exactly that one row for it."""
    ok = ctx.check(not result.errors, f"{label}: {result.errors[:3]}")
    bad = Tally(s for s in result.statuses if s != 202)
    ok &= ctx.check(not bad, f"{label}: answers other than 202: {dict(bad)} "
                    f"(first: {[b for b, s in zip(result.bodies, result.statuses, strict=True) if s != 202][:1]})")
    rows = stored_ids(ctx, [did for did, _ in sent])
    replies = answers(result)
    mismatched = 0
    for (did, body), reply in zip(sent, replies, strict=True):
        pks = rows.get(did, [])
        if len(pks) != 1 or reply.get("delivery") != pks[0]:
            mismatched += 1
        else:
            ctx.stored[did] = (pks[0], body)
    ok &= ctx.check(mismatched == 0, f"{label}: {mismatched} deliveries not stored exactly once under the id answered")
    return ok


# --- 1. accepting ---------------------------------------------------------------------------------------


@dataclass
class Row:
    label: str
    result: load.LoadResult
    cpu: dict[str, float]
    ok: int

    def cells(self, baseline: float | None) -> list[Any]:
        r = self.result
        ratio = f"{r.rate / baseline:.2f}" if baseline else "1.00"
        spent = " ".join(f"{k} {v:.2f}" for k, v in self.cpu.items())
        return [self.label, len(r.statuses), self.ok, sup.fmt_rate(r.rate), f"{r.percentile(0.5) * 1000:.1f}",
                f"{r.percentile(0.99) * 1000:.1f}", f"{max(r.latencies, default=0) * 1000:.1f}", ratio,
                f"client {r.client_cores:.2f} {spent}"]


def measured(ctx: Context, run, procs: dict[str, stack.Proc]) -> tuple[load.LoadResult, dict[str, float]]:
    before = stack.cpu_now(procs, ctx.db.is_postgres)
    result = run()
    after = stack.cpu_now(procs, ctx.db.is_postgres)
    return result, stack.cores(before, after)


def warm_up(ctx: Context, concurrency: int) -> None:
    """Open the server's database connections, fill its endpoint cache and import what the first request needs."""
    from _webhooks_asgi import NOOP_PATH

    noop = [load.request_bytes("127.0.0.1", ctx.port, NOOP_PATH, b"{}", {})] * 500
    load.closed("127.0.0.1", ctx.port, noop, concurrency=concurrency)
    sent = new_deliveries(ctx, 300, "warm")
    result = load.closed("127.0.0.1", ctx.port, [signed(ctx, b, d) for d, b in sent], concurrency=concurrency,
                         keep_bodies=True)
    verify_accepted(ctx, "warm-up", sent, result)


def bench_accept(ctx: Context, sizes: Sizes) -> None:
    from _webhooks_asgi import NOOP_PATH

    assert ctx.web is not None
    procs = {"web": ctx.web}
    c = sizes.concurrency
    warm_up(ctx, c)
    rows: list[Row] = []

    noop = [load.request_bytes("127.0.0.1", ctx.port, NOOP_PATH, order_body("x"), {})] * sizes.deliveries
    result, cpu = measured(ctx, lambda: load.closed("127.0.0.1", ctx.port, noop, concurrency=c), procs)
    rows.append(Row(f"baseline: trivial URL, stores nothing, {c} connections", result, cpu, result.count(202)))
    baseline = result.rate

    sent = new_deliveries(ctx, sizes.deliveries, "a")
    requests = [signed(ctx, body, did) for did, body in sent]
    result, cpu = measured(ctx, lambda: load.closed("127.0.0.1", ctx.port, requests, concurrency=c,
                                                    keep_bodies=True), procs)
    verify_accepted(ctx, "accept", sent, result)
    rows.append(Row(f"intake: signed deliveries, {c} connections", result, cpu, result.count(202)))
    accept = result

    count = int(sizes.rate * sizes.seconds)
    sent = new_deliveries(ctx, count, "p")
    requests = [signed(ctx, body, did) for did, body in sent]
    result, cpu = measured(ctx, lambda: load.paced("127.0.0.1", ctx.port, requests, rate=sizes.rate,
                                                   connections=max(64, c), keep_bodies=True), procs)
    verify_accepted(ctx, "paced", sent, result)
    rows.append(Row(f"intake: paced at {sup.fmt_rate(sizes.rate)}/s (open loop)", result, cpu, result.count(202)))
    ctx.check(result.rate >= sizes.rate * 0.9,
              f"paced: the server fell behind ({sup.fmt_rate(result.rate)}/s of {sup.fmt_rate(sizes.rate)}/s)")

    sup.print_table(f"1. Accepting deliveries ({ctx.db.vendor}); ms are per request, cores are CPU seconds per "
                    "second of the run",
                    ["load", "sent", "202", "req/s", "p50 ms", "p99 ms", "max ms", "of baseline", "cores"],
                    [row.cells(None if row is rows[0] else baseline) for row in rows])
    if ctx.db.is_postgres:
        target = (f"target >= {TARGET_ACCEPT_PG:,}/s with p99 < {TARGET_P99_MS} ms: "
                  + ("met" if accept.rate >= TARGET_ACCEPT_PG and accept.percentile(0.99) * 1000 < TARGET_P99_MS
                     else "missed"))
    else:
        target = f"target >= {TARGET_ACCEPT_SQLITE}/s: " + ("met" if accept.rate >= TARGET_ACCEPT_SQLITE else "missed")
    ctx.summary.append(f"accepted {sup.fmt_rate(accept.rate)}/s at {c} connections, p99 "
                       f"{accept.percentile(0.99) * 1000:.1f} ms, {accept.rate / baseline:.0%} of the trivial URL's "
                       f"{sup.fmt_rate(baseline)}/s ({target}); paced {sup.fmt_rate(sizes.rate)}/s: p99 "
                       f"{result.percentile(0.99) * 1000:.1f} ms")


# --- 2. replays and refusals --------------------------------------------------------------------------


def bench_replays(ctx: Context, sizes: Sizes) -> None:
    """70% new, 10% replays of stored deliveries, 10% replays of new ones in the same burst, 10% bad signatures."""
    from apps.connectors.models import Delivery
    from apps.core.signing import new_secret

    assert ctx.web is not None
    rng = random.Random(7)
    total = sizes.mixed
    fresh = new_deliveries(ctx, int(total * 0.7), "m")
    old = rng.sample(sorted(ctx.stored.items()), min(int(total * 0.1), len(ctx.stored)))
    twins = rng.sample(fresh, int(total * 0.1))
    wrong = new_secret()
    bad = new_deliveries(ctx, total - len(fresh) - len(old) - len(twins), "bad")
    plan: list[tuple[str, str, bytes]] = ([("new", d, b) for d, b in fresh] + [("old", d, b) for d, (_pk, b) in old]
                                          + [("twin", d, b) for d, b in twins] + [("bad", d, b) for d, b in bad])
    rng.shuffle(plan)
    rejected_before = Delivery.objects.filter(endpoint=ctx.endpoint, status="rejected").count()
    requests = [signed(ctx, body, did, wrong if kind == "bad" else None) for kind, did, body in plan]
    result, cpu = measured(ctx, lambda: load.closed("127.0.0.1", ctx.port, requests, concurrency=sizes.concurrency,
                                                    keep_bodies=True), {"web": ctx.web})
    ctx.check(not result.errors, f"replays: {result.errors[:3]}")
    replies = answers(result)
    rows = stored_ids(ctx, [did for kind, did, _ in plan if kind != "bad"])
    wrong_answers: Tally[str] = Tally()
    by_id: dict[str, list[tuple[int, dict]]] = {}
    for (kind, did, _body), status, reply in zip(plan, result.statuses, replies, strict=True):
        if kind == "bad":
            if status != 401 or reply.get("code") != "bad_signature":
                wrong_answers["bad signature not answered 401 bad_signature"] += 1
        elif kind == "old":
            if status != 200 or reply != {"delivery": ctx.stored[did][0], "duplicate": True}:
                wrong_answers["replay of a stored delivery not answered 200 duplicate with its id"] += 1
        else:
            by_id.setdefault(did, []).append((status, reply))
    for did, got in by_id.items():
        pks = rows.get(did, [])
        if len(pks) != 1:
            wrong_answers["a delivery stored other than exactly once"] += 1
            continue
        statuses = sorted(s for s, _ in got)
        expected = [202] if len(got) == 1 else [200, 202]
        if statuses != expected or any(r.get("delivery") != pks[0] for _, r in got):
            wrong_answers["a delivery and its replay in the same burst not answered 202 once and 200 duplicate"] += 1
        for _, reply in got:
            if reply.get("duplicate") and reply.get("delivery") != pks[0]:
                wrong_answers["a duplicate answer naming another delivery"] += 1
    doubles = sum(1 for pks in rows.values() if len(pks) > 1)
    stored_bad = Delivery.objects.filter(endpoint=ctx.endpoint, delivery_id__startswith="msg_bad_").count()
    rejected = Delivery.objects.filter(endpoint=ctx.endpoint, status="rejected").count() - rejected_before
    ctx.check(not wrong_answers, f"replays: {dict(wrong_answers)}")
    ctx.check(doubles == 0 and stored_bad == 0,
              f"replays: {doubles} deliveries stored twice, {stored_bad} badly signed ones stored as received")
    for did in by_id:
        if len(rows.get(did, [])) == 1:
            ctx.stored.setdefault(did, (rows[did][0], b""))
    kinds = Tally(kind for kind, _, _ in plan)
    spent = " ".join(f"{k} {v:.2f}" for k, v in cpu.items())
    sup.print_table(f"2. Replays and bad signatures under load ({sizes.concurrency} connections)",
                    ["sent", "new", "replays of stored", "replays in burst", "bad signature", "req/s", "p99 ms",
                     "wrong answers", "rows stored twice", "rejected rows kept", "cores"],
                    [[total, kinds["new"], kinds["old"], kinds["twin"], kinds["bad"], sup.fmt_rate(result.rate),
                      f"{result.percentile(0.99) * 1000:.1f}", sum(wrong_answers.values()), doubles, rejected,
                      f"client {result.client_cores:.2f} {spent}"]])
    print("  replays answer 200 {duplicate: true} naming the stored delivery; bad signatures 401; at most "
          "20 refusals a minute are kept as 'rejected' rows")
    ctx.summary.append(f"replays/refusals: {total} mixed requests at {sup.fmt_rate(result.rate)}/s, "
                       f"{sum(wrong_answers.values())} wrong answers, {doubles} double rows")


# --- 3. processing --------------------------------------------------------------------------------------


def wait_processed(ctx: Context, expected: int, timeout: float) -> tuple[int, float]:
    """Poll until ``expected`` deliveries of the endpoint have left ``received``; (done, seconds waited)."""
    from apps.connectors.models import Delivery

    start = time.perf_counter()
    deadline = start + timeout
    last, last_change = -1, start
    while True:
        pending = Delivery.objects.filter(endpoint=ctx.endpoint, status="received").count()
        done = expected - pending
        now = time.perf_counter()
        if pending == 0 or now > deadline or now - last_change > 30:
            return done, now - start
        if done != last:
            last, last_change = done, now
        time.sleep(0.05)


def processing_check(ctx: Context, label: str) -> dict[str, int]:
    """Each accepted delivery processed once (attempts 1), each order one record, a history row per change."""
    from django.db.models import Count

    from apps.connectors.models import Delivery
    from apps.forms.models import Record

    deliveries = Delivery.objects.filter(endpoint=ctx.endpoint).exclude(status="rejected")
    statuses = dict(deliveries.values_list("status").annotate(n=Count("id")))
    attempts = deliveries.exclude(attempts=1).count()
    orders = len({json.loads(b)["id"] for b in deliveries.values_list("body", flat=True)})
    records = Record.objects.filter(form=ctx.form).count()
    ctx.check(statuses.get("failed", 0) == 0 and statuses.get("received", 0) == 0,
              f"{label}: deliveries left failed or unprocessed: {statuses}")
    ctx.check(attempts == 0, f"{label}: {attempts} deliveries processed more than once")
    ctx.check(records == orders, f"{label}: {records} records for {orders} distinct orders")
    return {**statuses, "records": records, "orders": orders, "attempts>1": attempts}


def bench_processing(ctx: Context, sizes: Sizes, workers: int) -> None:
    from django.db.models import Max, Min

    from apps.connectors.models import Delivery

    pending = Delivery.objects.filter(endpoint=ctx.endpoint, status="received").count()
    worker = stack.start_worker(ctx.db.env, ctx.broker, ctx.db.var_dir, concurrency=workers)
    procs = {"web": ctx.web, "worker": worker} if ctx.web else {"worker": worker}
    rows = []
    assert ctx.web is not None
    # The backlog: the worker was not running during figures 1 and 2; a kick wakes it.
    kick = [signed(ctx, order_body("kick"), "msg_kick")]
    before = stack.cpu_now(procs, ctx.db.is_postgres)
    started = time.perf_counter()
    from django.utils import timezone

    started_at = timezone.now()
    load.closed("127.0.0.1", ctx.port, kick, concurrency=1)
    done, waited = wait_processed(ctx, pending + 1, timeout=max(120.0, pending / 50))
    cpu = stack.cores(before, stack.cpu_now(procs, ctx.db.is_postgres))
    last = Delivery.objects.filter(endpoint=ctx.endpoint).aggregate(last=Max("processed_at"))["last"]
    elapsed = (last - started_at).total_seconds() if last else time.perf_counter() - started
    ctx.check(done == pending + 1, f"backlog: {pending + 1 - done} deliveries still received after {waited:.0f} s")
    counts = processing_check(ctx, "backlog")
    rows.append(["backlog of figures 1-2", done, f"{elapsed:.2f}", sup.fmt_rate(done / elapsed), "-",
                 counts.get("processed", 0), counts.get("skipped", 0), counts["records"],
                 " ".join(f"{k} {v:.2f}" for k, v in cpu.items())])
    backlog_rate = done / elapsed

    # End to end: new orders and later updates of some, with replays, sent while the worker runs.
    rng = random.Random(11)
    tag = uuid.uuid4().hex[:6]
    plan: list[tuple[str, bytes]] = []
    orders = int(sizes.e2e * 0.6)
    for n in range(orders):
        plan.append((f"msg_e_{tag}_{n}_0", order_body(f"E-{tag}-{n}", 0, n)))
    for n in rng.sample(range(orders), int(sizes.e2e * 0.2)):
        plan.append((f"msg_e_{tag}_{n}_1", order_body(f"E-{tag}-{n}", 1, n)))
    replays = rng.sample(plan, sizes.e2e - len(plan))
    plan.extend(replays)
    rng.shuffle(plan)
    requests = [signed(ctx, body, did) for did, body in plan]
    unique = len({did for did, _ in plan})
    before = stack.cpu_now(procs, ctx.db.is_postgres)
    result = load.closed("127.0.0.1", ctx.port, requests, concurrency=sizes.concurrency, keep_bodies=True)
    done, waited = wait_processed(ctx, unique, timeout=max(120.0, unique / 50))
    cpu = stack.cores(before, stack.cpu_now(procs, ctx.db.is_postgres))
    ctx.check(not result.errors and set(result.statuses) <= {200, 202},
              f"e2e: answers {dict(Tally(result.statuses))} {result.errors[:2]}")
    ctx.check(result.count(202) == unique, f"e2e: {result.count(202)} accepted for {unique} distinct deliveries")
    ids = [did for did, _ in plan]
    span = Delivery.objects.filter(endpoint=ctx.endpoint, delivery_id__in=list(set(ids))).aggregate(
        first=Min("received_at"), last=Max("processed_at"))
    elapsed = (span["last"] - span["first"]).total_seconds() if span["last"] else float("nan")
    counts = processing_check(ctx, "e2e")
    e2e_rate = unique / elapsed if elapsed == elapsed and elapsed > 0 else 0.0
    rows.append([f"end to end: {len(plan)} sent ({len(plan) - unique} replays), {sizes.concurrency} connections",
                 unique, f"{elapsed:.2f}", sup.fmt_rate(e2e_rate), sup.fmt_rate(result.rate),
                 counts.get("processed", 0), counts.get("skipped", 0), counts["records"],
                 " ".join(f"{k} {v:.2f}" for k, v in cpu.items())])
    worker.stop()
    stack._live.remove(worker)
    sup.print_table(f"3. Processing with a real worker (prefork, {workers} processes): adapter-free mapping, "
                    "upsert by unique key, guard",
                    ["load", "deliveries", "seconds", "processed/s", "accepted/s", "processed (all)",
                     "skipped (all)", "records (all)", "cores"], rows)
    print("  backlog: from the worker's wake-up to the last processed_at; end to end: from the first received_at to "
          "the last processed_at of the load's deliveries. Skipped: an update older than the stored order (guard).")
    target = ""
    if ctx.db.is_postgres:
        target = f" (target >= {TARGET_PROCESS_PG:,}/s: {'met' if e2e_rate >= TARGET_PROCESS_PG else 'missed'})"
    ctx.summary.append(f"processing: backlog {sup.fmt_rate(backlog_rate)}/s, end to end {sup.fmt_rate(e2e_rate)}/s"
                       f"{target}; each delivery processed once, one record per order")


# --- main --------------------------------------------------------------------------------------------------


def run_backend(args: argparse.Namespace) -> int:
    os.environ.setdefault("WEFT_DB_POOL_MAX", "8")
    if args.backend == "sqlite":
        os.environ.pop("DATABASE_URL", None)
    broker = stack.choose_broker()
    if args.backend == "sqlite" and broker.kind != "filesystem":
        os.environ["CELERY_BROKER_URL"] = "filesystem://"
        broker = stack.Broker("filesystem", "filesystem://", broker.queue)
    db = sup.setup_django()
    atexit.register(stack.stop_all)  # registered after setup_django: runs before the database is dropped
    atexit.register(stack.delete_queue, broker)
    stack.route_here(broker)
    sizes = sizes_for(args, db.is_postgres)
    ctx = make_context(db, broker)
    ctx.port = sup.free_port()
    facts = sup.machine_facts()
    facts.append(("web", " ".join(stack.web_argv("127.0.0.1", ctx.port, args.web_processes)[1:])))
    facts.append(("broker", broker.describe()))
    one, five, _ = os.getloadavg()
    facts.append(("load average", f"{one:.1f}/{five:.1f} at start (the machine may be shared)"))
    sup.print_facts(f"Webhook intake benchmark — {db.vendor}", facts)
    started = time.perf_counter()
    ctx.web = stack.start_web(db.env, broker, db.var_dir, ctx.port, args.web_processes)
    only = set(args.only or ["accept", "replays", "processing"])
    try:
        if "accept" in only:
            bench_accept(ctx, sizes)
        if "replays" in only:
            bench_replays(ctx, sizes)
        if "processing" in only:
            bench_processing(ctx, sizes, args.workers)
    except Exception as exc:
        ctx.failures.append(f"{type(exc).__name__}: {exc}")
        import traceback

        traceback.print_exc()
    if ctx.web.proc.poll() is not None:
        ctx.failures.append(f"the web server exited:\n{ctx.web.tail()}")
    print(f"\nSummary ({db.vendor})")
    for line in ctx.summary:
        print(f"  - {line}")
    print(f"  for comparison: {STATELESS_TOOL}; total time {time.perf_counter() - started:.0f} s")
    if ctx.failures:
        print("\nFailures")
        for failure in ctx.failures:
            print(f"  - {failure}")
        print(f"\nweb server log (end):\n{ctx.web.tail(15)}")
        return 1
    return 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--backend", choices=["sqlite", "postgres"], action="append",
                        help="only this backend (repeatable); default: SQLite, and PostgreSQL if DATABASE_URL is set")
    parser.add_argument("--deliveries", type=int, help="figure 1 (default 10000 on PostgreSQL, 4000 on SQLite)")
    parser.add_argument("--concurrency", type=int, default=32, help="client connections (default 32)")
    parser.add_argument("--rate", type=float, help="paced load per second (default 1500 PostgreSQL, 400 SQLite)")
    parser.add_argument("--seconds", type=float, default=5.0, help="paced load duration (default 5)")
    parser.add_argument("--mixed", type=int, help="figure 2 requests (default 5000 PostgreSQL, 2000 SQLite)")
    parser.add_argument("--e2e", type=int, help="figure 3 requests (default 10000 PostgreSQL, 3000 SQLite)")
    parser.add_argument("--workers", type=int, default=2, help="worker pool processes (default 2, as serve)")
    parser.add_argument("--web-processes", type=int,
                        help="web server processes (default: what manage.py serve starts)")
    parser.add_argument("--only", choices=["accept", "replays", "processing"], action="append")
    args = parser.parse_args(argv)
    backends = args.backend or ["sqlite"] + (["postgres"] if os.environ.get("DATABASE_URL", "").startswith(
        ("postgres://", "postgresql://")) else [])
    if len(backends) == 1:
        args.backend = backends[0]
        if args.backend == "postgres" and not os.environ.get("DATABASE_URL"):
            raise SystemExit("bench: --backend postgres needs DATABASE_URL")
        return run_backend(args)
    code = 0
    rest, skip = [], False
    for arg in argv if argv is not None else sys.argv[1:]:
        if skip or arg == "--backend" or arg.startswith("--backend="):
            skip = arg == "--backend"
            continue
        rest.append(arg)
    for backend in backends:
        print(f"\n===== {backend} =====", flush=True)
        child = subprocess.run([sys.executable, str(Path(__file__).resolve()), "--backend", backend, *rest],
                               check=False)
        code = code or child.returncode
    if "postgres" not in backends:
        print("\n(PostgreSQL + Redis: set DATABASE_URL and REDIS_URL to measure them too)")
    return code


if __name__ == "__main__":
    sys.exit(main())
