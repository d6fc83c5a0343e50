"""Control flow of the interpreter, as exceptions a step may raise.

These are not errors: they tell the interpreter to park the run, stop it, or
treat a step as failed with a message a person can act on.
"""

from __future__ import annotations

from typing import Any


class WaitSignal(Exception):
    """The step at ``path`` waits (timer, event, approval, child run, retry backoff)."""

    def __init__(self, path: str):
        self.path = path
        super().__init__(path)


class StopSignal(Exception):
    """End the run successfully now (``stop`` step), with an optional output."""

    def __init__(self, output: Any = None):
        self.output = output
        super().__init__("stop")


class StepError(Exception):
    """A step failed; ``retryable`` errors obey the step's retry policy."""

    def __init__(self, message: str, *, code: str = "step_failed", retryable: bool = False,
                 details: dict | None = None):
        self.message = str(message)
        self.code = code
        self.retryable = retryable
        self.details = details or {}
        super().__init__(self.message)

    def as_data(self, path: str = "", step_id: str = "") -> dict:
        return {"code": self.code, "message": self.message, "path": path, "step": step_id, **self.details}


class RunFailed(Exception):
    """Raised out of the interpreter when an unhandled step error ends the run."""

    def __init__(self, error: dict):
        self.error = error
        super().__init__(error.get("message", "run failed"))


class RunCancelled(Exception):
    """The run was cancelled (or its lease taken over) while it executed."""
