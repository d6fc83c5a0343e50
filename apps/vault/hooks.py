"""Extension points that apps using the vault plug into, explicitly (no signals).

- ``secret_changed``: called with the workspace's id and the secret's name
  after a transaction that created, rotated or deleted a secret commits, so
  that what holds a resolved value for a moment (the intake's cache of
  endpoints) drops it and the new value is used at once.
"""

from __future__ import annotations

from collections.abc import Callable

from django.db import transaction

SecretChanged = Callable[[int, str], None]

_secret_changed: list[SecretChanged] = []


def on_secret_changed(handler: SecretChanged) -> None:
    if handler not in _secret_changed:
        _secret_changed.append(handler)


def secret_changed(workspace_id: int, name: str) -> None:
    """Call the handlers once the caller's transaction commits (at once outside one)."""
    transaction.on_commit(lambda: _fire(workspace_id, name))


def _fire(workspace_id: int, name: str) -> None:
    for handler in _secret_changed:
        handler(workspace_id, name)
