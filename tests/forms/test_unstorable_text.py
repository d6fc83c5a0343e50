"""Text no database can store (NUL, a lone surrogate) never reaches a record, whichever way it was written.

The API refuses such bodies at the door; these are the other ways in (a
service call from a flow or a webhook's mapping, a CSV import, a formula), and
each refusal names the field, the table row and cell, or the key it is in.
"""

from __future__ import annotations

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from apps.core.errors import ValidationFailed
from apps.forms.models import Record
from apps.forms.services.records import bulk_write, create_record, update_record

FIELDS = [
    {"key": "sku", "type": "text"},
    {"key": "memo", "type": "textarea"},
    {"key": "tags", "type": "multi_select", "choices": ["a", "b"]},
    {"key": "lines", "type": "subtable", "fields": [{"key": "item", "type": "text"}]},
    {"key": "label", "type": "formula", "result": "text",
     "expression": 'record.sku ~ ("\\x00" if record.memo == "zero" else "")'},
]


@pytest.fixture
def products(make, workspace):
    return make.form(workspace, FIELDS, key="products")


def refusal(form, data, owner) -> dict:
    with pytest.raises(ValidationFailed) as refused:
        create_record(form, data, member=owner)
    return refused.value.errors


@pytest.mark.parametrize(("data", "path"), [
    ({"sku": "A\x00"}, "sku"),
    ({"memo": "two\nlines \ud800"}, "memo"),
    ({"lines": [{"item": "ok"}, {"item": "b\x00d"}]}, "lines[1].item"),
    ({"lines": [{"it\x00em": "x"}]}, "lines[0].it\\u0000em"),
    ({"sku\x00": "x"}, "sku\\u0000"),
    ({"tags": ["a", "\udfff"]}, "tags[1]"),
])
def test_unstorable_text_is_refused_at_the_field_it_is_in(products, owner, data, path):
    errors = refusal(products, data, owner)
    assert path in errors, errors
    assert "cannot be stored" in str(errors[path][0])
    assert not Record.objects.exists()


def test_a_formula_that_makes_unstorable_text_is_refused(products, owner):
    errors = refusal(products, {"sku": "A", "memo": "zero"}, owner)
    assert "label" in errors and not Record.objects.exists()
    record = create_record(products, {"sku": "A", "memo": "one"}, member=owner)
    assert record.data["label"] == "A"


def test_updates_and_bulk_writes_are_checked_too(products, owner):
    record = create_record(products, {"sku": "A"}, member=owner)
    with pytest.raises(ValidationFailed) as refused:
        update_record(record, {"memo": "\x00"}, member=owner, partial=True)
    assert "memo" in refused.value.errors
    with pytest.raises(ValidationFailed):
        bulk_write(products, [{"sku": "B"}, {"sku": "C\x00"}], member=owner)
    assert list(Record.objects.values_list("data__sku", flat=True)) == ["A"]


def test_a_csv_import_whose_table_cell_escapes_a_nul_stores_nothing(api, products):
    content = b'sku,lines\nA,"[{""item"": ""fine""}]"\nB,"[{""item"": ""b\\u0000d""}]"\n'
    response = api.post("/api/v1/forms/products/records/import/",
                        {"file": SimpleUploadedFile("p.csv", content, "text/csv")}, format="multipart")
    assert 400 <= response.status_code < 500, response.content
    assert "cannot be stored" in response.content.decode()
    assert not Record.objects.exists()
