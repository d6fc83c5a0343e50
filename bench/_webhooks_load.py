"""A lean HTTP/1.1 load generator for ``bench/webhooks.py``: asyncio protocols on raw keep-alive sockets.

Why not http.client in threads: on two cores the client competes with the
server for CPU, and a thread per connection plus http.client's parsing costs
several times what a protocol callback that looks for ``\\r\\n\\r\\n`` and a
Content-Length does. Requests are built (and signed) before the clock starts,
so the measured window holds only sending, the server's work and reading the
answers. The generator runs its event loop in a thread of its own and reports
that thread's CPU time, so a figure can say what the client itself cost.

Two shapes of load:

- closed loop (:func:`closed`): ``concurrency`` connections, each sending its
  next request as soon as the previous answer is read — the throughput figure;
- open loop (:func:`paced`): requests are due at a fixed rate whether or not
  the server keeps up; a request that finds no idle connection waits, and its
  latency counts from when it was due (no coordinated omission).
"""

from __future__ import annotations

import asyncio
import contextlib
import gc
import resource
import threading
import time
from collections import deque
from collections.abc import Sequence
from dataclasses import dataclass, field

STATUS_AT = len(b"HTTP/1.1 ")


def request_bytes(host: str, port: int, path: str, body: bytes, headers: dict[str, str]) -> bytes:
    """One complete POST as it goes on the wire."""
    lines = [f"POST {path} HTTP/1.1", f"Host: {host}:{port}", "Content-Type: application/json",
             f"Content-Length: {len(body)}"]
    lines.extend(f"{name}: {value}" for name, value in headers.items())
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


@dataclass
class LoadResult:
    """What every request got back (in the order of ``requests``) and what the run cost."""

    statuses: list[int]
    bodies: list[bytes]
    latencies: list[float]
    elapsed: float
    client_cpu: float
    first_sent: float = 0.0
    last_done: float = 0.0
    errors: list[str] = field(default_factory=list)

    @property
    def rate(self) -> float:
        return len(self.latencies) / self.elapsed if self.elapsed > 0 else 0.0

    @property
    def client_cores(self) -> float:
        return self.client_cpu / self.elapsed if self.elapsed > 0 else 0.0

    def percentile(self, fraction: float) -> float:
        if not self.latencies:
            return float("nan")
        ordered = sorted(self.latencies)
        return ordered[min(len(ordered) - 1, int(fraction * len(ordered)))]

    def count(self, status: int) -> int:
        return sum(1 for s in self.statuses if s == status)


def _parse(buffer: bytearray) -> tuple[int, bytes, int] | None:
    """(status, body, bytes used) of the first complete answer in ``buffer``, or None if it is not all there."""
    end = buffer.find(b"\r\n\r\n")
    if end < 0:
        return None
    head = bytes(buffer[:end]).lower()
    status = int(head[STATUS_AT:STATUS_AT + 3])
    at = head.find(b"content-length:")
    if at >= 0:
        stop = head.find(b"\r\n", at)
        total = end + 4 + int(head[at + 15:stop if stop > 0 else len(head)])
        return (status, bytes(buffer[end + 4:total]), total) if len(buffer) >= total else None
    if b"transfer-encoding: chunked" not in head:
        return status, b"", end + 4
    body, at = bytearray(), end + 4
    while True:
        line_end = buffer.find(b"\r\n", at)
        if line_end < 0:
            return None
        size = int(bytes(buffer[at:line_end]).split(b";")[0], 16)
        if len(buffer) < line_end + 2 + size + 2:
            return None
        if size == 0:
            return status, bytes(body), line_end + 4
        body += buffer[line_end + 2:line_end + 2 + size]
        at = line_end + 2 + size + 2


class _Connection(asyncio.Protocol):
    """One keep-alive connection: sends a request, reads exactly one answer, reports, repeats."""

    def __init__(self, run: _Run) -> None:
        self.run = run
        self.transport: asyncio.Transport | None = None
        self.buffer = bytearray()
        self.index = -1
        self.started = 0.0
        self.ready = asyncio.get_running_loop().create_future()
        self.closed = False

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.transport = transport  # type: ignore[assignment]
        sock = transport.get_extra_info("socket")
        if sock is not None:
            import socket

            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        self.ready.set_result(self)

    def send(self, index: int, started: float) -> None:
        self.index, self.started = index, started
        assert self.transport is not None
        self.transport.write(self.run.requests[index])

    def data_received(self, data: bytes) -> None:
        buffer = self.buffer
        buffer += data
        try:
            parsed = _parse(buffer)
        except ValueError as exc:
            self.run.errors.append(f"request {self.index}: unreadable answer ({exc})")
            assert self.transport is not None
            self.transport.abort()
            return
        if parsed is not None:
            status, body, used = parsed
            del buffer[:used]
            self.run.done(self, status, body)

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        if self.index >= 0:
            self.run.lost(self, exc)


class _Run:
    def __init__(self, requests: Sequence[bytes], keep_bodies: bool) -> None:
        self.requests = requests
        self.keep_bodies = keep_bodies
        self.statuses = [0] * len(requests)
        self.bodies: list[bytes] = [b""] * len(requests) if keep_bodies else []
        self.latencies: list[float] = []
        self.errors: list[str] = []
        self.finished = 0
        self.next = 0
        self.due: list[float] | None = None
        self.idle: deque[_Connection] = deque()
        self.waiting: deque[int] = deque()
        self.all_done: asyncio.Future | None = None
        self.last_done = 0.0

    def done(self, conn: _Connection, status: int, body: bytes) -> None:
        now = time.perf_counter()
        index = conn.index
        conn.index = -1
        started = self.due[index] if self.due is not None else conn.started
        self.latencies.append(now - started)
        self.statuses[index] = status
        if self.keep_bodies:
            self.bodies[index] = body
        self.finished += 1
        self.last_done = now
        self.dispatch(conn, now)

    def lost(self, conn: _Connection, exc: Exception | None) -> None:
        self.errors.append(f"request {conn.index}: connection lost ({exc!r})")
        self.finished += 1
        conn.index = -1
        self._check_end()

    def dispatch(self, conn: _Connection, now: float) -> None:
        if self.due is None:  # closed loop: the next request, at once
            if self.next < len(self.requests):
                index = self.next
                self.next += 1
                conn.send(index, now)
            self._check_end()
            return
        if self.waiting:
            conn.send(self.waiting.popleft(), now)
        else:
            self.idle.append(conn)
        self._check_end()

    def _check_end(self) -> None:
        if self.finished >= len(self.requests) and self.all_done is not None and not self.all_done.done():
            self.all_done.set_result(None)


async def _open(host: str, port: int, run: _Run, count: int) -> list[_Connection]:
    loop = asyncio.get_running_loop()
    conns = []
    for _ in range(count):
        _transport, conn = await loop.create_connection(lambda: _Connection(run), host, port)
        conns.append(conn)
    return conns


async def _closed(host: str, port: int, requests: Sequence[bytes], concurrency: int, keep_bodies: bool,
                  timeout: float) -> tuple[_Run, float, float]:
    run = _Run(requests, keep_bodies)
    conns = await _open(host, port, run, min(concurrency, len(requests)))
    run.all_done = asyncio.get_running_loop().create_future()
    start = time.perf_counter()
    for conn in conns:
        run.dispatch(conn, start)
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(run.all_done, timeout)
    for conn in conns:
        if conn.transport is not None:
            conn.transport.close()
    return run, start, run.last_done or time.perf_counter()


async def _paced(host: str, port: int, requests: Sequence[bytes], rate: float, connections: int, keep_bodies: bool,
                 timeout: float) -> tuple[_Run, float, float]:
    run = _Run(requests, keep_bodies)
    conns = await _open(host, port, run, connections)
    run.all_done = asyncio.get_running_loop().create_future()
    start = time.perf_counter() + 0.01
    run.due = [start + i / rate for i in range(len(requests))]
    run.idle.extend(conns)
    index = 0
    while index < len(requests):
        now = time.perf_counter()
        while index < len(requests) and run.due[index] <= now:
            if run.idle:
                run.idle.popleft().send(index, now)
            else:
                run.waiting.append(index)
            index += 1
        if index < len(requests):
            await asyncio.sleep(max(0.0, run.due[index] - time.perf_counter()))
    with contextlib.suppress(asyncio.TimeoutError):
        await asyncio.wait_for(run.all_done, timeout)
    for conn in conns:
        if conn.transport is not None:
            conn.transport.close()
    return run, start, run.last_done or time.perf_counter()


def _in_thread(coro_factory) -> tuple[_Run, float, float, float]:
    """Run the load in a thread of its own and measure that thread's CPU time only."""
    box: dict = {}

    def target() -> None:
        loop = asyncio.new_event_loop()
        collecting = gc.isenabled()
        gc.collect()
        gc.disable()  # a full collection of the bench's heap would stall the loop and show as server latency
        try:
            before = resource.getrusage(resource.RUSAGE_THREAD)
            box["result"] = loop.run_until_complete(coro_factory())
            after = resource.getrusage(resource.RUSAGE_THREAD)
            box["cpu"] = (after.ru_utime + after.ru_stime) - (before.ru_utime + before.ru_stime)
        except BaseException as exc:  # reported in the caller's thread
            box["error"] = exc
        finally:
            loop.close()
            if collecting:
                gc.enable()

    thread = threading.Thread(target=target, name="webhooks-load", daemon=True)
    thread.start()
    thread.join()
    if "error" in box:
        raise box["error"]
    run, start, end = box["result"]
    return run, start, end, box["cpu"]


def _result(run: _Run, start: float, end: float, cpu: float) -> LoadResult:
    missing = len(run.requests) - len(run.latencies) - len(run.errors)
    errors = list(run.errors)
    if missing > 0:
        errors.append(f"{missing} requests got no answer before the time-out")
    return LoadResult(statuses=run.statuses, bodies=run.bodies, latencies=run.latencies,
                      elapsed=max(end - start, 1e-9), client_cpu=cpu, first_sent=start, last_done=end,
                      errors=errors)


def closed(host: str, port: int, requests: Sequence[bytes], *, concurrency: int, keep_bodies: bool = False,
           timeout: float = 120.0) -> LoadResult:
    """Send every request over ``concurrency`` keep-alive connections, each as fast as answers come."""
    run, start, end, cpu = _in_thread(lambda: _closed(host, port, requests, concurrency, keep_bodies, timeout))
    return _result(run, start, end, cpu)


def paced(host: str, port: int, requests: Sequence[bytes], *, rate: float, connections: int = 64,
          keep_bodies: bool = False, timeout: float = 120.0) -> LoadResult:
    """Send request i at ``start + i / rate`` over a pool of ``connections``; latency counts from when it was due."""
    run, start, end, cpu = _in_thread(lambda: _paced(host, port, requests, rate, connections, keep_bodies,
                                                     timeout))
    return _result(run, start, end, cpu)
