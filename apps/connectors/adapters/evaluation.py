"""Evaluating an adapter's expressions, with every failure located in its document.

The expression engine knows the source of a failing expression but not where
it is written; this module adds the adapter key and the document path, so a
builder reading a failed delivery sees which entry to fix.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from apps.expressions import ExpressionError, evaluate_condition, evaluate_value, make_context

from .errors import AdapterError


def condition_source(source: str) -> str:
    """Conditions are bare expressions; ``{{ ... }}`` around one is accepted and removed."""
    stripped = source.strip()
    if stripped.startswith("{{") and stripped.endswith("}}"):
        return stripped[2:-2].strip()
    return stripped


class Evaluator:
    """Evaluates the expressions of one document; ``where`` names the payload element at hand."""

    def __init__(self, key: str):
        self.key = key

    def fail(self, path: str, message: str, *, expression: str | None = None,
             where: str | None = None, extra: dict[str, Any] | None = None) -> AdapterError:
        text = f"{where}: {message}" if where else message
        details = {**({"at": where} if where else {}), **(extra or {})}
        return AdapterError(self.key, {path: [text]}, expression=expression, extra=details)

    def value(self, source: Any, path: str, context: Mapping[str, Any], *,
              where: str | None = None) -> Any:
        if not isinstance(source, str):
            return source
        try:
            return evaluate_value(source, context)
        except ExpressionError as error:
            raise self.fail(path, str(error), expression=source, where=where) from error

    def condition(self, source: str, path: str, context: Mapping[str, Any], *,
                  where: str | None = None) -> bool:
        try:
            return evaluate_condition(condition_source(source), context)
        except ExpressionError as error:
            raise self.fail(path, str(error), expression=source, where=where) from error

    def render(self, template: Any, path: str, context: Mapping[str, Any]) -> Any:
        """A JSON template: every string in it is evaluated, keys are kept as written."""
        if isinstance(template, str):
            return self.value(template, path, context)
        if isinstance(template, Mapping):
            return {key: self.render(item, f"{path}.{key}", context) for key, item in template.items()}
        if isinstance(template, list):
            return [self.render(item, f"{path}[{index}]", context) for index, item in enumerate(template)]
        return template

    def context_value(self, name: str, value: Any) -> Any:
        """Payload data as the expressions see it (floats become exact decimals)."""
        try:
            return make_context(**{name: value})[name]
        except (TypeError, ValueError) as error:
            raise self.fail(name, _("is not JSON data: %(error)s") % {"error": error}) from None
