"""Fixtures of the flow API tests: no broker (what would be sent is recorded), a form to refer to."""

from __future__ import annotations

import pytest

from apps.core import tasks as core_tasks
from apps.flows import tasks


class Sent(list):
    """Stands in for the ``execute_run`` task: the run ids that would have been sent to a worker."""

    def delay(self, run_id: int) -> None:
        self.append(run_id)


@pytest.fixture(autouse=True)
def sent(monkeypatch) -> Sent:
    ids = Sent()
    monkeypatch.setattr(tasks, "execute_run", ids)
    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async", lambda *args, **kwargs: None)
    return ids


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, [{"key": "title", "type": "text"}, {"key": "qty", "type": "integer"},
                                 {"key": "stock", "type": "counter"}], key="orders")
