"""After-commit callbacks that must run once per transaction however often they are asked for."""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

from django.db import connection, transaction


def on_commit_once(func: Callable[..., Any], *args: Any) -> None:
    """``func(*args)`` after the current transaction commits (at once outside one), unless already queued.

    A bulk write of 10,000 records then wakes a worker once, not 10,000 times.
    """
    if connection.in_atomic_block:
        for entry in connection.run_on_commit:
            queued = entry[1]
            if (queued is func and not args) or (
                    isinstance(queued, partial) and queued.func is func and queued.args == args):
                return
    transaction.on_commit(partial(func, *args) if args else func)
