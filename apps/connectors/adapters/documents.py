"""Adapter documents: the built-in ones in ``platform/adapters/``, and checking any document.

A document is data a workspace may also write, so it is checked the same way
whatever its origin: the JSON Schema first, then what a schema cannot say
(expressions compile, the time zone exists, a pulled channel says how to pull).
Built-in documents are read and checked once per process.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Mapping
from functools import cache
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from django.conf import settings
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from apps.core.errors import ErrorCollector, NotFound
from apps.expressions import check_syntax
from apps.forms.selectors import json_path, schema_message

from .credentials import used_names
from .errors import AdapterError
from .evaluation import condition_source
from .schema import adapter_schema

CONDITION_KEYS = frozenset({"when"})
LITERAL_KEYS = frozenset({"method", "in", "name", "mode", "status"})
TEMPLATE_KEYS = frozenset({"query", "headers", "form", "body"})
EXPRESSION_SECTIONS = ("event_id", "order", "stock_update", "pull")


def adapters_folder() -> Path:
    return Path(settings.BASE_DIR) / "platform" / "adapters"


@cache
def _validator() -> Draft202012Validator:
    return Draft202012Validator(adapter_schema())


def _leaves(error):
    if error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


def _key_of(doc: Any) -> str:
    key = doc.get("key") if isinstance(doc, Mapping) else None
    return key if isinstance(key, str) and key else "?"


def validate_adapter(doc: Any) -> dict[str, Any]:
    """Return ``doc`` when it is a valid adapter document; else raise AdapterError with every problem by path."""
    key = _key_of(doc)
    if not isinstance(doc, dict):
        raise AdapterError(key, {"": [_("an adapter document must be a JSON object")]})
    errors = ErrorCollector()
    for error in _validator().iter_errors(doc):
        for leaf in _leaves(error):
            errors.add(json_path(leaf.absolute_path), schema_message(leaf))
    if not errors:
        _check_meaning(doc, errors)
    if errors:
        raise AdapterError(key, errors.errors)
    return doc


def _check_meaning(doc: dict[str, Any], errors: ErrorCollector) -> None:
    if not _known_zone(doc["timezone"]):
        errors.add("timezone", _("unknown time zone '%(name)s'") % {"name": doc["timezone"]})
    modes = doc["intake"]["modes"]
    if "pull" in modes and "pull" not in doc:
        errors.add("pull", _("a channel pulled by Weft needs a pull section"))
    if "pull" not in modes and "pull" in doc:
        errors.add("intake.modes", _("the document has a pull section; add 'pull' to the modes"))
    for section in EXPRESSION_SECTIONS:
        if section in doc:
            _check_expressions(doc[section], section, errors)
    if "credentials" in doc:
        for name in sorted(used_names([doc.get(s) for s in EXPRESSION_SECTIONS]) - set(doc["credentials"])):
            errors.add("credentials", _("account.credentials.%(name)s is used but not declared") % {"name": name})


def _known_zone(name: str) -> bool:
    if name.upper() == "UTC":
        return True
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError, OSError):
        return False
    return True


def _check_expressions(value: Any, path: str, errors: ErrorCollector, key: str = "",
                       template: bool = False) -> None:
    """Every string an adapter evaluates must compile; ``template`` marks request parts, all evaluated."""
    if isinstance(value, str):
        condition = key in CONDITION_KEYS and not template
        problem = check_syntax(condition_source(value) if condition else value,
                               mode="condition" if condition else "value")
        if problem:
            errors.add(path, _("Expression `%(expression)s`: %(message)s") % {
                "expression": value, "message": problem})
    elif isinstance(value, list):
        for index, item in enumerate(value):
            _check_expressions(item, f"{path}[{index}]", errors, key, template)
    elif isinstance(value, dict):
        for name, item in value.items():
            if template or name in TEMPLATE_KEYS:
                _check_expressions(item, f"{path}.{name}", errors, name, True)
            elif name != "map" and not (name in LITERAL_KEYS and isinstance(item, str)):
                _check_expressions(item, f"{path}.{name}", errors, name)


@cache
def _builtins() -> dict[str, dict[str, Any]]:
    documents: dict[str, dict[str, Any]] = {}
    for path in sorted(adapters_folder().glob("*.json")):
        try:
            doc = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise AdapterError(path.stem, {"": [_("%(file)s is not readable JSON: %(error)s") % {
                "file": path.name, "error": error}]}, extra={"file": str(path)}) from None
        try:
            validate_adapter(doc)
        except AdapterError as error:
            raise AdapterError(error.adapter, error.errors, extra={"file": str(path)}) from None
        if doc["key"] != path.stem:
            raise AdapterError(doc["key"], {"key": [_("the key must be the file name, '%(name)s'") % {
                "name": path.stem}]}, extra={"file": str(path)})
        documents[doc["key"]] = doc
    return documents


def resolve(adapter: str | Mapping[str, Any]) -> Mapping[str, Any]:
    """The document itself for a mapping, the built-in document for a key (shared: do not change it)."""
    if isinstance(adapter, Mapping):
        return adapter
    found = _builtins().get(adapter)
    if found is None:
        raise NotFound(_("There is no channel adapter '%(key)s'.") % {"key": adapter})
    return found


def declarations(key: str) -> Mapping[str, Any]:
    """The built-in document ``key`` to read what it declares (shared: do not change it); empty when there is none."""
    return _builtins().get(key) or {}


def get_adapter(key: str) -> dict[str, Any]:
    """A copy of the built-in adapter document ``key``; NotFound when there is none."""
    return copy.deepcopy(dict(resolve(key)))


def adapter_keys() -> list[str]:
    return sorted(_builtins())


def all_adapters() -> list[dict[str, Any]]:
    """Copies of every built-in adapter document, by key."""
    return [copy.deepcopy(doc) for _key, doc in sorted(_builtins().items())]
