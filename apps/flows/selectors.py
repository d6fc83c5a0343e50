"""Reads of flows and runs for pages and other apps; nothing here writes."""

from __future__ import annotations

from django.db.models import QuerySet

from apps.accounts.models import Workspace

from .models import Run, RunStatus


def failed_runs(workspace: Workspace) -> QuerySet[Run]:
    """The workspace's failed runs, newest first, with their flow."""
    return (Run.objects.filter(workspace=workspace, status=RunStatus.FAILED)
            .select_related("flow").order_by("-id"))
