"""The process supervisor behind ``manage.py serve``, with tiny Python children."""

from __future__ import annotations

import io
import os
import re
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


def _pids(log: str, name: str) -> list[int]:
    return [int(pid) for pid in re.findall(rf"started {name} \(pid (\d+)\)", log)]


def test_a_child_killed_with_sigkill_comes_back_and_the_others_never_stop():
    out = io.StringIO()
    children = [Child("steady", SLEEPER), Child("victim", SLEEPER)]
    victim = children[1]
    # given both children are up, when the victim is killed with SIGKILL, and then is up again
    _when(out, "| up\n", 2, lambda: os.kill(victim.process.pid, signal.SIGKILL))
    _when(out, "victim | up\n", 2, lambda: os.kill(os.getpid(), signal.SIGTERM))
    code = Supervisor(children, out=out, stop_timeout=5, backoff=0.05).run()
    # then the supervisor ran until asked to stop, the victim ran twice, the other once
    log = out.getvalue()
    assert code == 0, log
    first, second = _pids(log, "victim")
    assert first != second
    assert f"victim (pid {first}) exited unexpectedly with signal 9 (SIGKILL)" in log
    assert "restarting it in 0.05 s" in log and "restarting victim" in log
    assert len(_pids(log, "steady")) == 1
    assert log.count("steady exited") == 1 and log.index("steady exited") > log.index("stop requested")
    assert all(not c.running for c in children)


def test_the_restart_delay_doubles_up_to_the_maximum():
    out = io.StringIO()
    flaky = Child("flaky", py("raise SystemExit(3)"))
    code = Supervisor([flaky], out=out, backoff=0.01, max_backoff=0.04, quick_exit=30, max_quick_exits=5).run()
    log = out.getvalue()
    delays = re.findall(r"restarting it in ([\d.]+) s", log)
    assert delays == ["0.01", "0.02", "0.04", "0.04"]
    assert code == 3


def test_the_restart_delay_starts_over_after_the_child_stayed_up():
    out = io.StringIO()
    steady = Child("steady", py("import time; print('up'); time.sleep(0.3)"))
    _when(out, "steady | up\n", 4, lambda: os.kill(os.getpid(), signal.SIGTERM))
    code = Supervisor([steady], out=out, backoff=0.05, stable_after=0.2, quick_exit=0.1).run()
    assert code == 0
    assert set(re.findall(r"restarting it in ([\d.]+) s", out.getvalue())) == {"0.05"}


def test_a_child_that_cannot_start_stops_everything_with_a_reason():
    out = io.StringIO()
    children = [Child("sleeper", SLEEPER), Child("broken", py("import sys; print('no config'); sys.exit(3)"))]
    code = Supervisor(children, out=out, stop_timeout=5, backoff=0.01, quick_exit=30, max_quick_exits=3).run()
    log = out.getvalue()
    assert code == 3
    assert len(_pids(log, "broken")) == 3
    assert "broken  | no config\n" in log
    assert "broken exited with code 3 within 30 s of starting 3 times in a row: it cannot start" in log
    assert f"sleeper exited with signal {signal.SIGTERM.value} (SIGTERM)" in log
    assert all(not c.running for c in children)


def test_a_child_killed_by_a_signal_each_time_it_starts_fails_the_run():
    out = io.StringIO()
    code = Supervisor([Child("victim", py("import os; os.kill(os.getpid(), 9)"))], out=out, backoff=0.01,
                      quick_exit=30, max_quick_exits=2).run()
    assert code == 1
    assert "victim exited with signal 9 (SIGKILL) within 30 s of starting 2 times in a row" in out.getvalue()


def test_a_missing_program_stops_everything_at_once():
    out = io.StringIO()
    children = [Child("sleeper", SLEEPER), Child("ghost", ["/nonexistent/weft-ghost"])]
    code = Supervisor(children, out=out, stop_timeout=5).run()
    log = out.getvalue()
    assert code == 127
    assert "cannot start ghost: [Errno 2] No such file or directory" in log
    assert "stopping everything" in log
    assert all(not c.running for c in children)


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
    assert Supervisor([child], out=out, stop_timeout=0.5).run() == 0
    assert "stubborn did not stop in time; killing it" in out.getvalue()
    assert child.process is not None and child.process.returncode == -signal.SIGKILL
