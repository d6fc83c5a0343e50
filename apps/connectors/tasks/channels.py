"""Celery tasks: channels."""

from __future__ import annotations
