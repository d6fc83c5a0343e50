"""The claim is one UPDATE whose conditions are on the run's own row.

PostgreSQL re-checks such conditions after waiting for a concurrent claim's
row lock; a subquery or join would be evaluated once, before the wait, and let
two workers take the same run.
"""

from __future__ import annotations

from django.db import connection
from django.test.utils import CaptureQueriesContext

from apps.flows.engine.runner import claim


def test_claim_updates_without_a_subquery(db):
    with CaptureQueriesContext(connection) as queries:
        claim(123456789)
    [update] = [q["sql"] for q in queries if q["sql"].lstrip().upper().startswith("UPDATE") and "lease" in q["sql"]]
    assert "SELECT" not in update.upper()
    assert "JOIN" not in update.upper()
