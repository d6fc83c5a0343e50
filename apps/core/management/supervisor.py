"""A tiny process supervisor for ``manage.py serve``: web, worker and beat as one program.

Why not honcho or supervisord: one more dependency for ~150 lines, and we want
Weft-specific behaviour — the three processes live and die together, because a
web server whose worker died silently accepts runs that never execute.

Each child runs in its own process group, so a terminal's Ctrl-C reaches only
this supervisor, which then stops the children in order (SIGTERM, then SIGKILL to
the whole group after a timeout). On Linux, children also get SIGTERM if the
supervisor itself is killed, so no orphaned worker keeps consuming tasks.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from types import FrameType
from typing import TextIO

POLL_SECONDS = 0.2


@dataclass
class Child:
    """One supervised program: a short ``name`` for the output prefix and its argv."""

    name: str
    argv: list[str]
    process: subprocess.Popen[bytes] | None = field(default=None, repr=False)
    reader: threading.Thread | None = field(default=None, repr=False)

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None


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


class Supervisor:
    """Start ``children``, relay their output, and stop them all together.

    ``run()`` returns 0 after a requested stop (SIGINT/SIGTERM), or a non-zero
    code if a child exited on its own.
    """

    def __init__(self, children: Sequence[Child], *, out: TextIO, env: dict[str, str] | None = None,
                 cwd: str | None = None, stop_timeout: float = 10.0):
        self.children = list(children)
        self.out = out
        self.env = env
        self.cwd = cwd
        self.stop_timeout = stop_timeout
        self._width = max(len(c.name) for c in [*self.children, Child("serve", [])])
        self._lock = threading.Lock()
        self._stop_requested = False
        self._hurry = False

    # -- output ---------------------------------------------------------------------
    def say(self, name: str, line: str) -> None:
        """Write one line with its source's prefix; one lock keeps lines whole."""
        with self._lock:
            self.out.write(f"{name:<{self._width}} | {line.rstrip()}\n")
            self.out.flush()

    def _relay(self, child: Child) -> None:
        assert child.process is not None and child.process.stdout is not None
        for raw in iter(child.process.stdout.readline, b""):
            self.say(child.name, raw.decode("utf-8", errors="replace"))
        child.process.stdout.close()

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
            self._start()
            return self._watch()
        finally:
            self._shutdown()
            for sig, handler in previous.items():
                signal.signal(sig, handler)

    def _start(self) -> None:
        hook = _die_with_parent_hook()
        # Every child is forked before any reader thread starts: preexec_fn is only
        # safe in a process without other threads.
        for child in self.children:
            child.process = subprocess.Popen(
                child.argv, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                cwd=self.cwd, env=self.env, process_group=0, preexec_fn=hook,
            )
        for child in self.children:
            assert child.process is not None
            self.say("serve", f"started {child.name} (pid {child.process.pid}): {' '.join(child.argv)}")
            child.reader = threading.Thread(target=self._relay, args=(child,), name=f"relay-{child.name}",
                                            daemon=True)
            child.reader.start()

    def _watch(self) -> int:
        while not self._stop_requested:
            for child in self.children:
                assert child.process is not None
                code = child.process.poll()
                if code is not None:
                    self.say("serve", f"{child.name} exited unexpectedly with code {code}; stopping the others")
                    return code if code > 0 else 1
            time.sleep(POLL_SECONDS)
        self.say("serve", "stop requested")
        return 0

    def _shutdown(self) -> None:
        for child in self.children:
            if child.running:
                self.say("serve", f"stopping {child.name}")
                self._signal(child, signal.SIGTERM, group=False)
        deadline = time.monotonic() + self.stop_timeout
        reported: set[str] = set()
        while True:
            self._report_exits(reported)
            if not any(c.running for c in self.children) or time.monotonic() >= deadline or self._hurry:
                break
            time.sleep(0.1)
        for child in self.children:
            if child.running:
                self.say("serve", f"{child.name} did not stop in time; killing it")
                self._signal(child, signal.SIGKILL, group=True)
        for child in self.children:
            if child.process is not None:
                child.process.wait()
        self._report_exits(reported)

    def _report_exits(self, reported: set[str]) -> None:
        """Say, once per child, how it exited (after its last output line is relayed)."""
        for child in self.children:
            if child.name in reported or child.process is None or child.process.poll() is None:
                continue
            if child.reader is not None:
                child.reader.join(timeout=5)
            reported.add(child.name)
            self.say("serve", f"{child.name} exited with code {child.process.returncode}")

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
