"""Celery tasks of the connectors app, one module per area; each registers its periodic tasks on import."""

from . import channels, inbound, outbound  # noqa: F401
