"""The definition language's JSON Schemas, registered by the apps that own them.

``manage.py export_schemas`` writes each to ``platform/schemas/<name>``; tests
keep the files identical to what the registries build.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

_builders: dict[str, Callable[[], dict[str, Any]]] = {}
_references: dict[str, Callable[[], str]] = {}


def register(name: str, builder: Callable[[], dict[str, Any]]) -> None:
    _builders[name] = builder


def register_reference(name: str, builder: Callable[[], str]) -> None:
    """A Markdown reference page written to ``platform/reference/<name>``."""
    _references[name] = builder


def all_schemas() -> dict[str, Callable[[], dict[str, Any]]]:
    return dict(sorted(_builders.items()))


def all_references() -> dict[str, Callable[[], str]]:
    return dict(sorted(_references.items()))
