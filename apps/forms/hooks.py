"""Extension points that apps built on forms plug into, explicitly (no signals).

- ``before_save``: a factory called once per write (or per bulk write) with
  the form; it returns a rule to apply to each record, or None when no rule
  applies. A rule runs inside the record's transaction with the validated data
  and may return changed data or raise a WeftError that the submitter sees.
- ``events_written``: called after a transaction that wrote outbox events
  commits, so the flow engine can dispatch them at once (a sweeper covers the
  case where this never happens).
- ``events_dispatched``: called with each batch of outbox events inside the
  transaction that marks them dispatched, so a consumer's rows (outbound
  messages, say) commit or roll back with the batch: an event is handed over
  once, or again after a rollback, never lost between the two.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any

from django.db import DatabaseError, transaction

from apps.core.transactions import on_commit_once

log = logging.getLogger(__name__)

Rule = Callable[..., dict | None]
RuleFactory = Callable[[Any], Rule | None]

_before_save: list[RuleFactory] = []
_events_written: list[Callable[[], None]] = []
_events_dispatched: list[Callable[[list], None]] = []


def on_before_save(factory: RuleFactory) -> None:
    if factory not in _before_save:
        _before_save.append(factory)


def on_events_written(hook: Callable[[], None]) -> None:
    if hook not in _events_written:
        _events_written.append(hook)


def on_events_dispatched(consumer: Callable[[list], None]) -> None:
    if consumer not in _events_dispatched:
        _events_dispatched.append(consumer)


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
    if _events_written:
        on_commit_once(_fire)


def _fire() -> None:
    for hook in _events_written:
        hook()


def events_dispatched(events: list) -> None:
    """Hand a batch of events to every consumer; the caller holds the batch's transaction.

    A database error rolls the whole batch back (it is dispatched again
    later); any other error undoes only that consumer's writes and is logged,
    so one consumer's bug cannot hold up the outbox for the others.
    """
    for consumer in _events_dispatched:
        try:
            with transaction.atomic():
                consumer(events)
        except DatabaseError:
            raise
        except Exception:
            log.exception("%s failed on a batch of %d events; skipped", getattr(consumer, "__qualname__", consumer),
                          len(events))
