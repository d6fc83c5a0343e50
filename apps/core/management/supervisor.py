"""A tiny process supervisor for ``manage.py serve``: web, worker and beat as one program.

Why not honcho or supervisord: one more dependency for ~250 lines, and we want
Weft-specific behaviour. A child that crashes (a worker killed by the kernel's
OOM killer, a segfault in a C extension) is restarted with backoff while the
others keep serving: one dead worker must not take the web server down with it.
Everything stops only on Ctrl-C/SIGTERM, or when a child cannot start at all
(its program is missing, or it exits right after starting several times in a
row) — restarting that forever would only hide the error behind a busy log.

Each child runs in its own process group, so a terminal's Ctrl-C reaches only
this supervisor, which then stops the children in order (SIGTERM, then SIGKILL to
the whole group after a timeout). On Linux, children also get SIGTERM if the
supervisor itself is killed, so no orphaned worker keeps consuming tasks.

The supervisor is one thread: output is relayed with ``selectors``, so starting
a child again (``preexec_fn`` runs in the forked child) never happens while
another thread might hold a lock.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import TextIO

POLL_SECONDS = 0.2
DRAIN_SECONDS = 2.0
MAX_LINE_BYTES = 64 * 1024


@dataclass
class Child:
    """One supervised program: a short ``name`` for the output prefix and its argv."""

    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    started_at: float = field(default=0.0, repr=False)
    quick_exits: int = field(default=0, repr=False)
    backoff: float = field(default=0.0, repr=False)
    restart_at: float | None = field(default=None, repr=False)
    reported: bool = field(default=True, repr=False)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


def describe_exit(code: int) -> str:
    """``code 3`` or ``signal 9 (SIGKILL)``, as Popen's negative return codes mean."""
    if code >= 0:
        return f"code {code}"
    try:
        return f"signal {-code} ({signal.Signals(-code).name})"
    except ValueError:
        return f"signal {-code}"


def _die_with_parent_hook() -> Callable[[], None] | None:
    """Return a ``preexec_fn`` asking Linux to SIGTERM the child when we die, or None."""
    if not sys.platform.startswith("linux"):
        return None
    import ctypes

    libc = ctypes.CDLL(None, use_errno=True)  # loaded here, not in the forked child
    pr_set_pdeathsig = 1
    parent = os.getpid()

    def hook() -> None:
        libc.prctl(pr_set_pdeathsig, signal.SIGTERM)
        if os.getppid() != parent:  # we died between fork and prctl
            os._exit(1)

    return hook


class CannotStart(Exception):
    """A child's program could not be run at all (missing, not executable)."""


class Supervisor:
    """Start ``children``, relay their output, restart the ones that crash, stop them all together.

    ``run()`` returns 0 after a requested stop (SIGINT/SIGTERM), or a non-zero
    code when a child cannot start: its program cannot be executed, or it
    exited within ``quick_exit`` seconds of starting ``max_quick_exits`` times
    in a row. A crashed child is started again after ``backoff`` seconds,
    doubling up to ``max_backoff``; a child that stayed up ``stable_after``
    seconds starts over from ``backoff``.
    """

    def __init__(self, children: Sequence[Child], *, out: TextIO, env: dict[str, str] | None = None,
                 cwd: str | None = None, stop_timeout: float = 10.0, backoff: float = 1.0,
                 max_backoff: float = 30.0, stable_after: float = 60.0, quick_exit: float = 2.0,
                 max_quick_exits: int = 5):
        self.children = list(children)
        self.out = out
        self.env = env
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self.initial_backoff = backoff
        self.max_backoff = max_backoff
        self.stable_after = stable_after
        self.quick_exit = quick_exit
        self.max_quick_exits = max_quick_exits
        self._width = max(len(c.name) for c in [*self.children, Child("serve", [])])
        self._selector = selectors.DefaultSelector()
        self._partial: dict[int, bytes] = {}
        self._hook = _die_with_parent_hook()
        self._stop_requested = False
        self._hurry = False

    # -- output ---------------------------------------------------------------------
    def say(self, name: str, line: str) -> None:
        """Write one line with its source's prefix."""
        self.out.write(f"{name:<{self._width}} | {line.rstrip()}\n")
        self.out.flush()

    def _pump(self, timeout: float) -> None:
        """Relay whatever the children wrote, waiting at most ``timeout`` seconds for it."""
        if not self._selector.get_map():
            time.sleep(timeout)
            return
        for key, _events in self._selector.select(timeout):
            self._read(key.fileobj, key.data)

    def _read(self, pipe, child: Child) -> None:
        fd = pipe.fileno()
        try:
            chunk = os.read(fd, 65536)
        except BlockingIOError:
            return
        buffered = self._partial.pop(fd, b"") + chunk
        *lines, rest = buffered.split(b"\n")
        for raw in lines:
            self.say(child.name, raw.decode("utf-8", errors="replace"))
        if chunk:
            if len(rest) > MAX_LINE_BYTES:  # a child writing without newlines: relay it in pieces
                self.say(child.name, rest.decode("utf-8", errors="replace"))
            elif rest:
                self._partial[fd] = rest
            return
        if rest:  # the last line had no newline
            self.say(child.name, rest.decode("utf-8", errors="replace"))
        self._selector.unregister(pipe)
        pipe.close()

    def _drain(self, child: Child) -> None:
        """Relay a child's last lines, so that its exit is reported after them."""
        pipe = child.process.stdout if child.process is not None else None
        deadline = time.monotonic() + DRAIN_SECONDS
        while pipe is not None and not pipe.closed:
            remaining = deadline - time.monotonic()
            if remaining <= 0 or not self._wait_readable(pipe, remaining):
                break
            self._read(pipe, child)

    @staticmethod
    def _wait_readable(pipe, timeout: float) -> bool:
        with selectors.DefaultSelector() as one:
            one.register(pipe, selectors.EVENT_READ)
            return bool(one.select(max(timeout, 0)))

    # -- signals ----------------------------------------------------------------------
    def _on_signal(self, signum: int, _frame: FrameType | None) -> None:
        if self._stop_requested:
            self._hurry = True  # a second Ctrl-C: do not wait for graceful shutdown
        self._stop_requested = True

    # -- lifecycle --------------------------------------------------------------------
    def run(self) -> int:
        handled = (signal.SIGINT, signal.SIGTERM)
        previous = {sig: signal.signal(sig, self._on_signal) for sig in handled}
        try:
            try:
                for child in self.children:
                    child.backoff = self.initial_backoff
                    self._spawn(child)
            except CannotStart:
                return 127
            return self._watch()
        finally:
            self._shutdown()
            self._selector.close()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _spawn(self, child: Child) -> None:
        try:
            process = subprocess.Popen(
                child.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                cwd=self.cwd, env=self.env, process_group=0, preexec_fn=self._hook,
            )
        except OSError as error:
            self.say("serve", f"cannot start {child.name}: {error}; stopping everything")
            raise CannotStart(child.name) from error
        assert process.stdout is not None
        os.set_blocking(process.stdout.fileno(), False)
        self._selector.register(process.stdout, selectors.EVENT_READ, child)
        child.process, child.started_at, child.restart_at, child.reported = process, time.monotonic(), None, False
        self.say("serve", f"started {child.name} (pid {process.pid}): {' '.join(child.argv)}")

    def _watch(self) -> int:
        while not self._stop_requested:
            self._pump(POLL_SECONDS)
            now = time.monotonic()
            for child in self.children:
                if child.restart_at is not None:
                    if now >= child.restart_at and not self._stop_requested:
                        self.say("serve", f"restarting {child.name}")
                        try:
                            self._spawn(child)
                        except CannotStart:
                            return 127
                    continue
                assert child.process is not None
                code = child.process.poll()
                if code is None:
                    continue
                gave_up = self._crashed(child, code, now)
                if gave_up is not None:
                    return gave_up
        self.say("serve", "stop requested")
        return 0

    def _crashed(self, child: Child, code: int, now: float) -> int | None:
        """Report a child's unexpected exit and schedule its restart; the run's code if we give up."""
        assert child.process is not None
        # Whatever it left behind in its group (uvicorn's or Celery's own children) goes with it:
        # an orphan would keep the port, or keep consuming tasks beside its replacement.
        self._signal(child, signal.SIGKILL, group=True)
        self._drain(child)
        child.reported = True
        uptime = now - child.started_at
        if uptime >= self.stable_after:
            child.backoff, child.quick_exits = self.initial_backoff, 0
        child.quick_exits = child.quick_exits + 1 if uptime < self.quick_exit else 0
        how = describe_exit(code)
        if child.quick_exits >= self.max_quick_exits:
            self.say("serve", f"{child.name} exited with {how} within {self.quick_exit:g} s of starting "
                              f"{child.quick_exits} times in a row: it cannot start; stopping everything")
            return code if code > 0 else 1
        delay = child.backoff
        child.backoff = min(child.backoff * 2, self.max_backoff)
        child.restart_at = now + delay
        self.say("serve", f"{child.name} (pid {child.process.pid}) exited unexpectedly with {how} "
                          f"after {uptime:.1f} s; restarting it in {delay:g} s")
        return None

    def _shutdown(self) -> None:
        for child in self.children:
            if child.running:
                self.say("serve", f"stopping {child.name}")
                self._signal(child, signal.SIGTERM, group=False)
        deadline = time.monotonic() + self.stop_timeout
        while True:
            self._report_exits()
            if not any(c.running for c in self.children) or time.monotonic() >= deadline or self._hurry:
                break
            self._pump(0.1)
        for child in self.children:
            if child.running:
                self.say("serve", f"{child.name} did not stop in time; killing it")
                self._signal(child, signal.SIGKILL, group=True)
        for child in self.children:
            if child.process is not None:
                child.process.wait()
        self._report_exits()
        for key in list(self._selector.get_map().values()):
            self._selector.unregister(key.fileobj)
            key.fileobj.close()

    def _report_exits(self) -> None:
        """Say, once per started process, how it exited (after its last output line is relayed)."""
        for child in self.children:
            if child.reported or child.process is None or child.process.poll() is None:
                continue
            self._drain(child)
            child.reported = True
            self.say("serve", f"{child.name} exited with {describe_exit(child.process.returncode)}")

    @staticmethod
    def _signal(child: Child, signum: int, *, group: bool) -> None:
        assert child.process is not None
        try:
            if group:  # the child leads its own group: this reaches its subprocesses too
                os.killpg(child.process.pid, signum)
            else:
                child.process.send_signal(signum)
        except ProcessLookupError:
            pass
