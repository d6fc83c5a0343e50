"""Fixtures for field-type tests: a form to write into, a write context and small call helpers."""

import pytest

from apps.core.errors import ValidationFailed
from apps.forms.definitions import check_definition
from apps.forms.fields import FieldValueError, WriteContext, field_types
from apps.forms.fields.base import DefinitionContext
from apps.forms.models import Form


def new_form(workspace, key="orders", fields=None):
    definition = {"key": key, "name": key.title(), "fields": fields or []}
    return Form.objects.create(
        workspace=workspace, key=key, name=key.title(), definition=definition, version=1
    )


@pytest.fixture
def form(workspace):
    return new_form(workspace)


@pytest.fixture
def another_form(workspace):
    """another_form(key, fields=None): a form of the test workspace, made without the form service."""
    return lambda key, fields=None: new_form(workspace, key, fields)


@pytest.fixture
def ctx(workspace, form, owner):
    return WriteContext(workspace=workspace, form=form, member=owner)


@pytest.fixture
def norm(ctx):
    """normalize(type, value, **options) for a field keyed 'f'."""

    def run(type_, value, **options):
        return field_types.get(type_).normalize(value, {"key": "f", "type": type_, **options}, ctx)

    return run


@pytest.fixture
def error(ctx):
    """The errors (path -> messages as text) that normalize raises for ``value``."""

    def run(type_, value, **options):
        with pytest.raises(FieldValueError) as info:
            field_types.get(type_).normalize(value, {"key": "f", "type": type_, **options}, ctx)
        return {path: [str(m) for m in messages] for path, messages in info.value.errors.items()}

    return run


@pytest.fixture
def definition_errors(workspace):
    """The located errors check_definition gives for a form with ``fields`` ({} when valid)."""

    def run(fields, *, key="orders", in_workspace=True):
        definition = {"key": key, "name": "Orders", "fields": fields}
        try:
            check_definition(
                definition, DefinitionContext(workspace if in_workspace else None, key)
            )
        except ValidationFailed as exc:
            return {path: [str(m) for m in messages] for path, messages in exc.errors.items()}
        return {}

    return run
