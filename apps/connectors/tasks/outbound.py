"""Celery tasks: outbound."""

from __future__ import annotations
