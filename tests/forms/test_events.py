"""Events that report no record change go through the forms outbox like record events."""

from __future__ import annotations

from django.db import transaction

from apps.core import tasks as core_tasks
from apps.forms.models import Event
from apps.forms.services.events import append_event


def test_an_appended_event_is_written_in_the_callers_transaction_and_relayed_once_it_commits(
        workspace, monkeypatch, django_capture_on_commit_callbacks):
    asked: list[str] = []
    monkeypatch.setattr(core_tasks.dispatch_events, "apply_async", lambda *a, **k: asked.append("relay"))
    with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
        event = append_event(workspace.pk, "run.failed", {"run": 7, "status": "failed"})
        append_event(workspace.pk, "run.succeeded", {"run": 8, "status": "succeeded"})
        assert asked == []
    assert asked == ["relay"]
    stored = Event.objects.get(pk=event.pk)
    assert (stored.workspace_id, stored.type, stored.form_id, stored.record_id, stored.payload) == (
        workspace.pk, "run.failed", None, None, {"run": 7, "status": "failed"})
    assert stored.dispatched_at is None
