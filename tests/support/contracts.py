"""Checks every registered type must pass, shared by the contract tests of each registry.

A registry type (field, step, trigger, verification mode, channel adapter) is
shown to people by its label, in English and in Chinese, and documented by a
heading in its page under ``platform/reference/`` (the page is generated from
the registry; see ``manage.py export_schemas``).
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils import translation
from jsonschema import Draft202012Validator

LANGUAGES = ("en", "zh-hans")


def reference_page(name: str) -> Path:
    return Path(settings.BASE_DIR) / "platform" / "reference" / name


@cache
def reference_entries(name: str) -> frozenset[str]:
    """The names the page documents: its headings of the form ``## `name` `` (or ``###``); none if no such page."""
    page = reference_page(name)
    if not page.exists():
        return frozenset()
    text = page.read_text(encoding="utf-8")
    return frozenset(re.findall(r"^#{2,4} `([^`]+)`\s*$", text, flags=re.MULTILINE))


def in_each_language(label: Any) -> dict[str, str]:
    """``label`` (a lazy translation) as it reads with each language active."""
    shown = {}
    for language in LANGUAGES:
        with translation.override(language):
            shown[language] = str(label).strip()
    return shown


def check_named_in_each_language(label: Any, *, same_in_chinese: bool = False) -> None:
    """``label`` reads in English and, unless the word is rightly the same (``same_in_chinese``), in Chinese."""
    shown = in_each_language(label)
    assert shown["en"], "no label"
    assert shown["zh-hans"] != shown["en"] or same_in_chinese, \
        f"the label {shown['en']!r} has no Chinese translation"


def schema_references(schema: Any) -> Iterator[str]:
    """Every ``$ref`` inside ``schema``."""
    if isinstance(schema, dict):
        for key, value in schema.items():
            if key == "$ref" and isinstance(value, str):
                yield value
            else:
                yield from schema_references(value)
    elif isinstance(schema, list):
        for item in schema:
            yield from schema_references(item)


def check_references_resolve(schema: Any, defined: dict[str, Any]) -> None:
    """Every ``$ref`` inside ``schema`` names one of the ``$defs`` the whole schema ``defined``."""
    for ref in schema_references(schema):
        assert ref.removeprefix("#/$defs/") in defined, f"{ref} does not resolve in the schema"


def check_fragment(properties: dict[str, Any], required: tuple[str, ...] | list[str]) -> None:
    """A type's schema fragment (its options by name) is valid JSON Schema and requires only what it defines."""
    Draft202012Validator.check_schema({"type": "object", "properties": properties, "required": list(required)})
    for name, schema in properties.items():
        Draft202012Validator.check_schema(schema)
        assert isinstance(name, str) and name, f"option name {name!r}"
    assert set(required) <= set(properties), f"required but not defined: {sorted(set(required) - set(properties))}"
