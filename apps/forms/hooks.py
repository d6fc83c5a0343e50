"""Extension points that apps built on forms plug into, explicitly (no signals).

- ``before_save``: a factory called once per write (or per bulk write) with
  the form; it returns a rule to apply to each record, or None when no rule
  applies. A rule runs inside the record's transaction with the validated data
  and may return changed data or raise a WeftError that the submitter sees.
- ``events_written``: called after a transaction that wrote outbox events
  commits, so the flow engine can dispatch them at once (a sweeper covers the
  case where this never happens).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.db import connection, transaction

Rule = Callable[..., dict | None]
RuleFactory = Callable[[Any], Rule | None]

_before_save: list[RuleFactory] = []
_events_written: list[Callable[[], None]] = []


def on_before_save(factory: RuleFactory) -> None:
    if factory not in _before_save:
        _before_save.append(factory)


def on_events_written(hook: Callable[[], None]) -> None:
    if hook not in _events_written:
        _events_written.append(hook)


def before_save_rules(form) -> list[Rule]:
    return [rule for factory in _before_save if (rule := factory(form)) is not None]


def apply_rules(rules: list[Rule], form, data: dict, *, before: dict | None, member, creating: bool) -> dict:
    for rule in rules:
        changed: Any = rule(form, data, before=before, member=member, creating=creating)
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
