"""The definition language's JSON Schemas, registered by the apps that own them.

``manage.py export_schemas`` writes each to ``platform/schemas/<name>``; tests
keep the files identical to what the registries build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_builders: dict[str, Callable[[], dict[str, Any]]] = {}


def register(name: str, builder: Callable[[], dict[str, Any]]) -> None:
    _builders[name] = builder


def all_schemas() -> dict[str, Callable[[], dict[str, Any]]]:
    return dict(sorted(_builders.items()))
