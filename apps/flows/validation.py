"""Checking a flow definition before it is saved: schema, step references, expressions.

Every problem is reported with its location (``steps[2].then[0].delta`` and the
step id), so a builder can fix them all in one go.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from apps.core.errors import ErrorCollector
from apps.expressions import DefinitionChecks
from apps.forms.models import Form
from apps.forms.selectors import active_fields, json_path, schema_message

from .schema import flow_schema
from .steps.base import step_types
from .triggers.base import trigger_types

_validator: Draft202012Validator | None = None


def validator() -> Draft202012Validator:
    global _validator
    if _validator is None:
        _validator = Draft202012Validator(flow_schema())
    return _validator


def _leaves(error):
    if error.context:
        for sub in error.context:
            yield from _leaves(sub)
    else:
        yield error


class FlowChecker:
    """Collects located problems; step and trigger types call it from their ``check``."""

    def __init__(self, workspace, definition: dict):
        self.workspace = workspace
        self.definition = definition
        self.errors = ErrorCollector()
        self.step_ids: dict[str, str] = {}
        self._forms: dict[str, Form | None] = {}
        self.in_transaction = False
        self.expressions = DefinitionChecks()

    def error(self, path: str, message: Any) -> None:
        self.errors.add(path, message)

    def form(self, key: Any, path: str) -> Form | None:
        if not isinstance(key, str) or "{{" in key:
            return None
        if key not in self._forms:
            self._forms[key] = Form.objects.filter(workspace=self.workspace, key=key).first()
        if self._forms[key] is None:
            self.error(path, _("no form '%(key)s' in this workspace") % {"key": key})
        return self._forms[key]

    def field(self, form: Form | None, key: Any, path: str, *, types: tuple[str, ...] = ()) -> dict | None:
        if form is None or not isinstance(key, str) or "{{" in key:
            return None
        for field in active_fields(form.definition["fields"]):
            if field["key"] == key:
                if types and field["type"] not in types:
                    self.error(path, _("'%(key)s' is a %(type)s field; expected %(types)s") % {
                        "key": key, "type": field["type"], "types": " or ".join(types)})
                return field
        self.error(path, _("form '%(form)s' has no field '%(key)s'") % {"form": form.key, "key": key})
        return None

    def fields_of(self, form: Form | None, data: Any, path: str) -> None:
        """Keys of a record-data mapping must be fields of the form."""
        if form is None or not isinstance(data, dict):
            return
        for key in data:
            self.field(form, key, f"{path}.{key}")

    def expression(self, source: Any, path: str, *, mode: str = "value") -> None:
        if not isinstance(source, str):
            return
        if mode == "value" and "{{" not in source and "{%" not in source:
            return
        if mode == "expression" and source.strip().startswith("{{") and source.strip().endswith("}}"):
            source = source.strip()[2:-2]
        problem = self.expressions.check(source, mode=mode)
        if problem:
            self.error(path, problem)

    def check_expressions(self, value: Any, path: str, *, skip: tuple[str, ...] = ()) -> None:
        if isinstance(value, str):
            self.expression(value, path)
        elif isinstance(value, list):
            for index, item in enumerate(value):
                self.check_expressions(item, f"{path}[{index}]")
        elif isinstance(value, dict):
            for key, item in value.items():
                if key not in skip:
                    self.check_expressions(item, f"{path}.{key}" if path else key)

    def check_sequence(self, steps: list[dict], path: str) -> None:
        for index, step in enumerate(steps):
            self.check_step(step, f"{path}[{index}]")

    def check_step(self, step: dict, path: str) -> None:
        step_id = step["id"]
        if step_id in self.step_ids:
            self.error(f"{path}.id", _("step id '%(id)s' is also used at %(other)s") % {
                "id": step_id, "other": self.step_ids[step_id]})
        else:
            self.step_ids[step_id] = path
        stype = step_types.get(step["type"])
        if self.in_transaction and stype.waits:
            self.error(f"{path}.type", _("a before-save flow cannot use a waiting step (%(type)s)") % {
                "type": step["type"]})
        stype.check(step, path, self)
        on_error = step.get("on_error")
        if isinstance(on_error, dict) and isinstance(on_error.get("steps"), list):
            self.check_sequence(on_error["steps"], f"{path}.on_error.steps")
        for name, children in stype.children(step):
            self.check_sequence(children, f"{path}.{name}")


def check_flow(workspace, definition: Any) -> ErrorCollector:
    """All problems of ``definition``; empty when it can be saved."""
    checker = FlowChecker(workspace, definition if isinstance(definition, dict) else {})
    if not isinstance(definition, dict):
        checker.error("definition", _("must be a JSON object"))
        return checker.errors
    for error in validator().iter_errors(definition):
        for leaf in _leaves(error):
            checker.error(json_path(leaf.absolute_path), schema_message(leaf))
    if checker.errors:
        return checker.errors
    trigger = definition["trigger"]
    ttype = trigger_types.get(trigger["type"])
    checker.in_transaction = ttype.in_transaction
    ttype.check(trigger, "trigger", checker)
    checker.check_sequence(definition["steps"], "steps")
    return checker.errors
