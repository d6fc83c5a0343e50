"""Decisions a container must not take twice: which branch, which items.

A run that parks inside a branch or loop evaluates the container again when it
resumes; by then variables or records may have changed, and evaluating the
condition or the items anew could send the run down another path than the
one its completed steps belong to. The first decision is journalled at
``<path>~<name>`` and reused.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from ..engine.context import StepContext


def remember(ctx: StepContext, name: str, compute: Callable[[], Any]) -> Any:
    """``compute()`` the first time this container runs at this path; its stored result afterwards."""
    path = f"{ctx.path}~{name}"
    done = ctx.state.journal.completed(path)
    if done is not None:
        return done.output
    value = compute()
    ctx.state.journal.succeeded(path, {"id": ctx.step["id"], "type": ctx.step["type"]}, None, value, 1)
    return value
