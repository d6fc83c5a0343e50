"""Fixtures of the trigger tests: an orders form, a stock form, flows made from a trigger and steps.

The real Celery worker and beat fixtures live in ``tests/support/workers.py``
(other suites use them too) and are re-exported here.
"""

from __future__ import annotations

import pytest

from tests.support.workers import celery_beat, celery_worker, worker_env  # noqa: F401

ORDER_FIELDS = [
    {"key": "title", "type": "text"},
    {"key": "status", "type": "select", "choices": ["new", "paid", "shipped", "cancelled"]},
    {"key": "total", "type": "decimal", "decimal_places": 2},
    {"key": "priority", "type": "text"},
    {"key": "lines", "type": "subtable",
     "fields": [{"key": "sku", "type": "text", "required": True}, {"key": "qty", "type": "integer"}]},
]
STOCK_FIELDS = [
    {"key": "sku", "type": "text", "required": True},
    {"key": "available", "type": "counter", "min": 0},
]


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, ORDER_FIELDS, key="orders")


@pytest.fixture
def stock(make, workspace):
    return make.form(workspace, STOCK_FIELDS, key="stock", unique_key=["sku"])


@pytest.fixture
def create_flow(make, workspace):
    """``create_flow(trigger, steps, key=..., enabled=...)``, saved (validated, installed) by the service."""

    def create(trigger: dict, steps: list[dict] | None = None, *, key: str | None = None, enabled: bool = True,
               **extra):
        return make.flow(workspace, trigger=trigger, steps=steps, key=key, enabled=enabled, **extra)

    return create


@pytest.fixture
def quiet_broker(monkeypatch):
    """For tests that commit: record what would be enqueued instead of publishing to the project's broker."""
    from apps.core import tasks as core_tasks
    from apps.flows import tasks

    sent: list[tuple[str, tuple]] = []
    monkeypatch.setattr(tasks.execute_run, "delay", lambda *args: sent.append(("execute_run", args)))
    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async",
                        lambda *a, **k: sent.append(("dispatch_events", ())))
    return sent
