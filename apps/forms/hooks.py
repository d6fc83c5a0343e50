"""Extension points that apps built on forms plug into, explicitly (no signals).

- ``before_save``: called inside the record's transaction with the validated
  data; may return changed data or raise a WeftError that the submitter sees.
- ``events_written``: called after a transaction that wrote outbox events
  commits, so the flow engine can dispatch them at once (a sweeper covers the
  case where this never happens).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

BeforeSave = Callable[..., dict | None]

_before_save: list[BeforeSave] = []
_events_written: list[Callable[[], None]] = []


def on_before_save(hook: BeforeSave) -> None:
    if hook not in _before_save:
        _before_save.append(hook)


def on_events_written(hook: Callable[[], None]) -> None:
    if hook not in _events_written:
        _events_written.append(hook)


def run_before_save(form, data: dict, *, before: dict | None, member, creating: bool) -> dict:
    for hook in _before_save:
        changed: Any = hook(form, data, before=before, member=member, creating=creating)
        if changed is not None:
            data = changed
    return data


def events_written() -> None:
    """Schedule the after-commit hooks once per transaction, however many events it wrote."""
    if not _events_written:
        return
    if connection.in_atomic_block and any(entry[1] is _fire for entry in connection.run_on_commit):
        return
    transaction.on_commit(_fire)


def _fire() -> None:
    for hook in _events_written:
        hook()
