"""Celery tasks: inbound."""

from __future__ import annotations
