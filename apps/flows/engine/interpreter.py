"""Walking a flow's step tree.

Every step runs at a path (``reserve[2].take``). A step that completed before
(the run is being resumed) is skipped and its stored output reused; a step
with database effects commits them together with its journal row, so a crash
either keeps both or neither and the step is never applied twice.
"""

from __future__ import annotations

import logging
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.utils import timezone

from apps.core.errors import WeftError
from apps.expressions import ExpressionError

from ..steps.base import step_types
from .context import RunState, StepContext
from .signals import RunFailed, StepError, StopSignal, WaitSignal

log = logging.getLogger(__name__)

DEFAULT_RETRY = {"attempts": 1, "delay_seconds": 5, "backoff": 2.0, "max_delay_seconds": 3600}


def retry_policy(step: dict) -> dict:
    return {**DEFAULT_RETRY, **(step.get("retry") or {})}


def retry_delay(policy: dict, attempt: int) -> float:
    delay = float(policy["delay_seconds"]) * float(policy["backoff"]) ** max(0, attempt - 1)
    return min(delay, float(policy["max_delay_seconds"]))


class Interpreter:
    """Stateless; one instance serves every run."""

    def run(self, state: RunState) -> None:
        state.outputs.update(state.journal.outputs())
        self.run_sequence(state.definition.get("steps", []), state, "", {})

    def run_sequence(self, steps: list[dict], state: RunState, prefix: str, scope: dict) -> None:
        for step in steps:
            self.run_step(step, state, prefix, scope)

    def run_step(self, step: dict, state: RunState, prefix: str, scope: dict) -> None:
        path = f"{prefix}.{step['id']}" if prefix else step["id"]
        done = state.journal.completed(path)
        if done is not None:
            state.outputs[step["id"]] = done.output
            return
        if step.get("disabled"):
            return
        stype = step_types.get(step["type"])
        ctx = StepContext(state, step, path, scope, self)
        if stype.container:
            try:
                output = stype.execute(step, ctx)
            except StepError as error:
                self._failed(step, ctx, error, 1, {**DEFAULT_RETRY, "attempts": 1})
                return
            state.journal.succeeded(path, step, None, output, 1)
            state.outputs[step["id"]] = output
            return
        policy = retry_policy(step)
        while True:
            attempt = state.journal.attempts(path) + 1
            backoff = f"{path}~retry{attempt - 1}"
            if attempt > 1 and not state.in_transaction and state.journal.has_wait(backoff):
                ctx.wait("retry", path=backoff)
            try:
                output = self._attempt(stype, step, ctx, attempt)
            except StepError as error:
                if self._failed(step, ctx, error, attempt, policy):
                    continue
                return
            state.outputs[step["id"]] = output
            if state.on_step_done is not None:
                state.on_step_done()
            return

    def _attempt(self, stype, step: dict, ctx: StepContext, attempt: int) -> Any:
        state, path = ctx.state, ctx.path
        try:
            if stype.transactional:
                waiting = None
                with transaction.atomic():
                    try:
                        output = stype.execute(step, ctx)
                    except WaitSignal as signal:
                        waiting = signal  # keep what the step set up to wait (its Wait row, a child run)
                    else:
                        state.journal.succeeded(path, step, None, output, attempt)
                if waiting is not None:
                    raise waiting
                return output
            state.journal.started(path, step, None)
            output = stype.execute(step, ctx)
            state.journal.succeeded(path, step, None, output, attempt)
            return output
        except (WaitSignal, StopSignal, RunFailed):
            raise
        except StepError:
            raise
        except ExpressionError as exc:
            raise StepError(str(exc.at(ctx.where())), code=f"expression_{exc.kind}") from None
        except WeftError as exc:
            raise StepError(f"{ctx.where()}: {exc.message}", code=exc.code,
                            details={"errors": exc.as_data()["errors"]}) from None
        except Exception as exc:
            log.exception("step %s failed", ctx.where())
            raise StepError(f"{ctx.where()}: {type(exc).__name__}: {exc}", code="internal_error",
                            retryable=True) from None

    def _failed(self, step: dict, ctx: StepContext, error: StepError, attempt: int, policy: dict) -> bool:
        """Record the failure; True means try again now (the backoff already passed)."""
        state, path = ctx.state, ctx.path
        data = error.as_data(path, step["id"])
        data["attempt"] = attempt
        last = not error.retryable or attempt >= int(policy["attempts"]) or state.in_transaction
        state.journal.failed(path, step, None, data, attempt, final=last)
        if not last:
            wake_at = timezone.now() + timedelta(seconds=retry_delay(policy, attempt))
            ctx.wait("retry", wake_at=wake_at, path=f"{path}~retry{attempt}")
            return True
        on_error = step.get("on_error") or "fail"
        action = on_error if isinstance(on_error, str) else on_error.get("action", "fail")
        if action == "continue":
            output = {"error": data}
            state.journal.succeeded(path, step, None, output, attempt)
            state.outputs[step["id"]] = output
            return False
        if action == "branch":
            steps = on_error.get("steps", []) if isinstance(on_error, dict) else []
            ctx.run_sequence(steps, "on_error", {"error": data})
            output = {"error": data, "handled": True}
            state.journal.succeeded(path, step, None, output, attempt)
            state.outputs[step["id"]] = output
            return False
        raise RunFailed(data)


interpreter = Interpreter()
