"""Extension points that apps built on forms plug into, explicitly (no signals).

- ``before_save``: a factory called once per write (or per bulk write) with
  the form; it returns a rule to apply to each record, or None when no rule
  applies. A rule runs inside the record's transaction with the validated data
  and may return changed data or raise a WeftError that the submitter sees.

The outbox events forms writes reach other apps through the core's relay
(``apps.core.outbox``), whose source forms registers from its ``ready``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Rule = Callable[..., dict | None]
RuleFactory = Callable[[Any], Rule | None]

_before_save: list[RuleFactory] = []


def on_before_save(factory: RuleFactory) -> None:
    if factory not in _before_save:
        _before_save.append(factory)


def before_save_rules(form) -> list[Rule]:
    return [rule for factory in _before_save if (rule := factory(form)) is not None]


def apply_rules(rules: list[Rule], form, data: dict, *, before: dict | None, member, creating: bool) -> dict:
    for rule in rules:
        changed: Any = rule(form, data, before=before, member=member, creating=creating)
        if changed is not None:
            data = changed
    return data
