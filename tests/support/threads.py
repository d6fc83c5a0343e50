"""Run callables in threads released at the same instant, so a race is really run as one.

A thread still running after ``timeout`` seconds fails the test (a deadlock
shows as a failure, not as a hung suite); an error in any thread is raised in
the test. Each thread closes its own database connections when it is done.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from django.db import connections


def run_together(works: Sequence[Callable[[], Any]], *, timeout: float = 60.0,
                 start_timeout: float = 10.0) -> list[Any]:
    """What each of ``works`` returned, in their order."""
    barrier = threading.Barrier(len(works))
    results: list[Any] = [None] * len(works)
    errors: list[BaseException] = []

    def target(index: int) -> None:
        try:
            barrier.wait(timeout=start_timeout)
            results[index] = works[index]()
        except BaseException as exc:  # raised in the test below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=target, args=(index,), daemon=True) for index in range(len(works))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=timeout)
    hung = sum(thread.is_alive() for thread in threads)
    assert not hung, f"{hung} of {len(threads)} threads still running after {timeout:.0f} s (a deadlock?)"
    assert not errors, errors
    return results


def together(count: int, work: Callable[[], Any], **options: Any) -> list[Any]:
    """``work()`` run by ``count`` threads at once."""
    return run_together([work] * count, **options)
