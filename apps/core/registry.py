"""One small registry for every extension point (field types, step types, ...).

A type is a class with a unique ``type`` string; the registry holds one instance
of each. New behaviour is added by registering a class in its own module, never
by editing a switch.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from typing import Generic, TypeVar

from django.utils.translation import gettext as _


class RegistryType:
    """Base of every registered type: ``type`` is the name used in JSON definitions."""

    type: str = ""


T = TypeVar("T", bound=RegistryType)


class UnknownType(LookupError):
    def __init__(self, registry: str, type_name: str):
        self.registry = registry
        self.type_name = type_name
        super().__init__(_("unknown %(registry)s type '%(type)s'") % {"registry": registry, "type": type_name})


class Registry(Generic[T]):
    def __init__(self, name: str):
        self.name = name
        self._types: dict[str, T] = {}

    def register(self, cls: type[T]) -> type[T]:
        """Register ``cls``; usable as a class decorator."""
        if not cls.type:
            raise ValueError(f"{cls.__name__} has no type name")
        if cls.type in self._types and type(self._types[cls.type]) is not cls:
            raise ValueError(f"{self.name} type '{cls.type}' is already registered")
        self._types[cls.type] = cls()
        return cls

    def get(self, type_name: str) -> T:
        try:
            return self._types[type_name]
        except KeyError:
            raise UnknownType(self.name, type_name) from None

    def __contains__(self, type_name: object) -> bool:
        return type_name in self._types

    def __iter__(self) -> Iterator[T]:
        return iter(self._types.values())

    def all(self) -> list[T]:
        return list(self._types.values())

    def types(self) -> list[str]:
        return sorted(self._types)

    def filter(self, predicate: Callable[[T], bool]) -> list[T]:
        return [t for t in self._types.values() if predicate(t)]
