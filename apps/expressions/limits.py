"""Resource limits and the per-evaluation budget that enforces them.

Expressions run inside web requests and Celery workers, so a definition must
never be able to hang a worker or exhaust its memory. Limits are checked
cooperatively at every hook the sandbox offers (no signals, no threads), and
sizes are checked *before* an operation allocates.
"""

from __future__ import annotations

from contextvars import ContextVar
from dataclasses import dataclass
from functools import lru_cache
from time import perf_counter, thread_time
from typing import Any

from .errors import Abort, limit_exceeded
from .i18n import gettext as _


@dataclass(frozen=True)
class Limits:
    """Bounds for one evaluation; the defaults suit formulas and notifications."""

    time_ms: int = 100
    max_output_chars: int = 64_000
    max_sequence_len: int = 10_000
    max_int_digits: int = 100
    max_loop_iterations: int = 10_000
    # Expanded size of a container built by an expression: items plus one unit
    # per 16 characters of text; shared references count each time they
    # appear, so `[a, a]` weighs twice `a` and `[s] * n` n times `s`.
    max_nested_items: int = 250_000
    max_source_chars: int = 50_000
    # Checked on the source before parsing (see shape.py): Jinja's parser and
    # compiler recurse, so deeper or longer chains cost seconds and then fail.
    max_operators: int = 100
    max_nesting: int = 32


DEFAULT_LIMITS = Limits()

HARD_DEADLINE_FACTOR = 10


class Budget:
    """What one evaluation has used so far; shared by every hook through a ContextVar."""

    __slots__ = (
        "limits", "deadline", "hard_deadline", "cpu_start", "iterations", "weights",
        "max_int_bits", "int_bound",
    )  # fmt: skip

    def __init__(self, limits: Limits) -> None:
        self.limits = limits
        now = perf_counter()
        self.deadline = now + limits.time_ms / 1000
        self.hard_deadline = now + HARD_DEADLINE_FACTOR * limits.time_ms / 1000
        self.cpu_start = thread_time()
        self.iterations = 0
        self.weights: dict[int, tuple[Any, int]] = {}
        self.max_int_bits = int(limits.max_int_digits * 3.3219280948873626) + 1
        self.int_bound = _int_bound(limits.max_int_digits)

    def tick(self) -> None:
        if perf_counter() > self.deadline:
            self._deadline_passed()

    def _deadline_passed(self) -> None:
        """Time the thread spent descheduled on a busy worker is not the expression's fault.

        The cheap wall-clock deadline is checked at every hook; once it has
        passed, the thread's CPU time decides: if the evaluation itself has not
        used ``time_ms`` yet, the deadline moves by what remains, up to a hard
        wall-clock cap of HARD_DEADLINE_FACTOR × ``time_ms``.
        """
        now = perf_counter()
        remaining = self.limits.time_ms / 1000 - (thread_time() - self.cpu_start)
        if remaining <= 0 or now > self.hard_deadline:
            raise Abort(
                "timeout",
                _("evaluation took longer than %(ms)s ms") % {"ms": self.limits.time_ms},
            )
        self.deadline = min(now + remaining, self.hard_deadline)

    def loop_step(self) -> None:
        self.iterations += 1
        if self.iterations > self.limits.max_loop_iterations:
            raise limit_exceeded(
                _("loops ran more than %(n)s iterations in total")
                % {"n": self.limits.max_loop_iterations}
            )
        self.tick()

    def check_length(self, length: int) -> None:
        if length > self.limits.max_sequence_len:
            raise limit_exceeded(
                _("the result would have %(length)s items or characters; the limit is %(limit)s")
                % {"length": length, "limit": self.limits.max_sequence_len}
            )

    def check_int(self, value: int) -> int:
        if value.bit_length() >= self.max_int_bits - 4 and abs(value) >= self.int_bound:
            raise too_many_digits(self.limits)
        return value


@lru_cache(maxsize=16)
def _int_bound(digits: int) -> int:
    return 10**digits


def too_many_digits(limits: Limits) -> Abort:
    return limit_exceeded(
        _("the number would have more than %(digits)s digits") % {"digits": limits.max_int_digits}
    )


ACTIVE_BUDGET: ContextVar[Budget | None] = ContextVar("weft_expression_budget", default=None)


class NoEvaluation(RuntimeError):
    """A hook ran outside an evaluation (e.g. Jinja folding constants at compile time)."""


def current_budget() -> Budget:
    """Return the running evaluation's budget.

    Raising when there is none matters: Jinja may try to run a filter at
    compile time to fold constants; failing here makes it defer to runtime,
    where the caller's limits apply.
    """
    budget = ACTIVE_BUDGET.get()
    if budget is None:
        raise NoEvaluation("no expression evaluation is running")
    return budget
