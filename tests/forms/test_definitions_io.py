"""A form definition leaves its workspace with keys for ids and comes into another with that one's ids."""

from __future__ import annotations

import pytest

from apps.core.errors import ValidationFailed
from apps.forms.fields import TransferContext
from apps.forms.services.definitions_io import export_definition, import_definition
from apps.forms.services.records import create_record
from tests.support.shops import two_shops


def returns(shop) -> dict:
    return {"key": "returns", "name": "Returns", "fields": [
        {"key": "reason", "type": "text"},
        {"key": "handler", "type": "user", "default": shop.alice.pk},
        {"key": "lines", "type": "subtable", "fields": [
            {"key": "product", "type": "relation", "form": "products", "default": shop.tee.pk},
            {"key": "qty", "type": "integer", "default": 1},
        ]},
    ]}


def test_ids_in_defaults_travel_as_username_and_unique_key_and_become_the_other_workspaces_ids(make):
    source, target = two_shops(make)

    exported = export_definition(returns(source), TransferContext(source.workspace))
    fields = exported["fields"]
    assert fields[1]["default"] == "alice"
    assert fields[2]["fields"][0]["default"] == source.tee.unique_key
    imported = import_definition(exported, TransferContext(target.workspace))
    assert imported == returns(target)

    form = make.form(target.workspace, imported["fields"], key="returns")
    record = create_record(form, {"lines": [{}]}, member=target.alice)
    assert record.data["handler"] == target.alice.pk
    assert record.data["lines"][0]["product"] == target.tee.pk


def test_every_key_the_other_workspace_lacks_is_named_by_its_path(make):
    source, _ = two_shops(make)
    exported = export_definition(returns(source), TransferContext(source.workspace))
    elsewhere = make.workspace()

    with pytest.raises(ValidationFailed) as info:
        import_definition(exported, TransferContext(elsewhere))
    assert {path: [str(m) for m in messages] for path, messages in info.value.errors.items()} == {
        "fields[1].default": ["there is no member 'alice' in this workspace"],
        "fields[2].fields[0].default": [
            f"the linked form has no record with the unique key '{source.tee.unique_key}' in this workspace"],
    }


def test_a_record_without_a_unique_key_or_a_file_cannot_travel_and_says_where(make, workspace):
    notes = make.form(workspace, [{"key": "text", "type": "text"}], key="notes")
    note = make.record(notes, {"text": "no key"})
    definition = {"key": "tickets", "name": "Tickets", "fields": [
        {"key": "note", "type": "relation", "form": "notes", "multiple": True, "default": [note.pk]},
        {"key": "scan", "type": "attachment", "default": [1]},
    ]}

    with pytest.raises(ValidationFailed) as info:
        export_definition(definition, TransferContext(workspace))
    assert {path: [str(m) for m in messages] for path, messages in info.value.errors.items()} == {
        "fields[0].default[0]": [f"{note.pk} is not a record with a unique key in the linked form, "
                                 "so no other workspace can find it"],
        "fields[1].default": ["files cannot be carried to another workspace; remove the default"],
    }
