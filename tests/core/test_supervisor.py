"""The process supervisor behind ``manage.py serve``, with tiny Python children."""

from __future__ import annotations

import io
import os
import signal
import sys
import threading
import time

from apps.core.management.supervisor import Child, Supervisor


def py(code: str) -> list[str]:
    return [sys.executable, "-u", "-c", code]


SLEEPER = py("import time; print('up'); time.sleep(60)")
STUBBORN = py("import signal, time; signal.signal(signal.SIGTERM, signal.SIG_IGN); print('up'); time.sleep(60)")


def _when(out: io.StringIO, text: str, count: int, then, timeout: float = 10.0) -> threading.Thread:
    """Call ``then()`` from another thread once ``text`` has been written ``count`` times."""

    def watch() -> None:
        deadline = time.monotonic() + timeout
        while out.getvalue().count(text) < count and time.monotonic() < deadline:
            time.sleep(0.02)
        if out.getvalue().count(text) >= count:  # never signal a test that already gave up
            then()

    thread = threading.Thread(target=watch, daemon=True)
    thread.start()
    return thread


def test_a_dying_child_stops_the_others_and_its_code_is_returned():
    out = io.StringIO()
    children = [Child("sleeper", SLEEPER), Child("dies", py("import time; print('bye'); time.sleep(0.3); raise SystemExit(3)"))]
    started = time.monotonic()
    assert Supervisor(children, out=out, stop_timeout=5).run() == 3
    assert time.monotonic() - started < 5
    log = out.getvalue()
    assert "sleeper | up\n" in log and "dies    | bye\n" in log
    assert "dies exited unexpectedly with code 3" in log
    assert f"sleeper exited with code {-signal.SIGTERM}" in log
    assert all(not c.running for c in children)


def test_a_child_killed_by_a_signal_still_fails_the_run():
    out = io.StringIO()
    code = Supervisor([Child("victim", py("import os; os.kill(os.getpid(), 9)"))], out=out).run()
    assert code == 1


def test_sigterm_stops_everything_cleanly_and_restores_handlers():
    out = io.StringIO()
    children = [Child("a", SLEEPER), Child("b", SLEEPER)]
    before = signal.getsignal(signal.SIGTERM)
    _when(out, "| up\n", 2, lambda: os.kill(os.getpid(), signal.SIGTERM))
    assert Supervisor(children, out=out, stop_timeout=5).run() == 0
    assert "stop requested" in out.getvalue()
    assert all(not c.running for c in children)
    assert signal.getsignal(signal.SIGTERM) is before


def test_a_child_ignoring_sigterm_is_killed_after_the_timeout():
    out = io.StringIO()
    child = Child("stubborn", STUBBORN)
    _when(out, "| up\n", 1, lambda: os.kill(os.getpid(), signal.SIGTERM))
    started = time.monotonic()
    assert Supervisor([child], out=out, stop_timeout=0.5).run() == 0
    assert time.monotonic() - started < 10
    assert "stubborn did not stop in time; killing it" in out.getvalue()
    assert child.process is not None and child.process.returncode == -signal.SIGKILL
