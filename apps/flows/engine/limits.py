"""The numbers the engine runs by: each flow's settings (with their defaults) and the installation's."""

from __future__ import annotations

from django.conf import settings


def flow_settings(definition: dict) -> dict:
    return {"concurrency": 10, "retention_days": 30, "breaker_threshold": 5, **(definition.get("settings") or {})}


def global_limit() -> int:
    """Runs in flight across all flows; more wait in the database until workers free up."""
    return int(getattr(settings, "WEFT_MAX_ACTIVE_RUNS", 200))


def lease_seconds() -> int:
    return int(getattr(settings, "WEFT_RUN_LEASE_SECONDS", 60))
