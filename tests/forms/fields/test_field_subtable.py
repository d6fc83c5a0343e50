"""subtable: rows validated like records, errors located as lines[2].qty, stable row ids."""

import dataclasses
import json

import pytest

from apps.core.errors import ValidationFailed
from apps.forms.fields import field_types
from apps.forms.models import Record
from apps.forms.validation import validate_data

LINE_FIELDS = [
    {"key": "sku", "type": "text", "required": True},
    {"key": "qty", "type": "integer", "min": 1, "default": 1},
    {"key": "price", "type": "decimal"},
]
LINES = {"key": "lines", "type": "subtable", "fields": LINE_FIELDS}


def errors_of(fields, data, ctx):
    with pytest.raises(ValidationFailed) as info:
        validate_data(fields, data, ctx)
    return {path: [str(m) for m in messages] for path, messages in info.value.errors.items()}


def test_rows_are_normalised_and_get_ids(ctx):
    data = validate_data(
        [LINES], {"lines": [{"sku": " TS-M ", "qty": "2", "price": 9.9}, {"sku": "CAP"}]}, ctx
    )
    first, second = data["lines"]
    assert {k: v for k, v in first.items() if k != "_id"} == {
        "sku": "TS-M",
        "qty": 2,
        "price": "9.90",
    }
    assert {k: v for k, v in second.items() if k != "_id"} == {"sku": "CAP", "qty": 1}
    assert first["_id"] != second["_id"] and len(first["_id"]) == 8
    assert list(first)[0] == "_id"


def test_given_ids_are_kept_and_repeats_replaced(norm):
    rows = norm(
        "subtable", [{"_id": "r1", "sku": "A"}, {"_id": "r1", "sku": "B"}], fields=LINE_FIELDS
    )
    assert rows[0]["_id"] == "r1" and rows[1]["_id"] not in ("r1", None)


def test_errors_are_located_per_row(ctx):
    data = {
        "lines": [
            {"sku": "A", "qty": 1},
            {"sku": "B", "qty": 0},
            {"qty": 2, "colour": "red"},
            "oops",
        ]
    }
    assert errors_of([LINES], data, ctx) == {
        "lines[1].qty": ["must be at least 1"],
        "lines[2].colour": ["is not a field of this form"],
        "lines[2].sku": ["is required"],
        "lines[3]": ["must be an object with field values"],
    }


def test_bad_row_id(error):
    assert error("subtable", [{"_id": "no spaces", "sku": "A"}], fields=LINE_FIELDS) == {
        "[0]._id": ["must be a row id of up to 32 letters, digits, '-' or '_'"]
    }


def test_row_counts(error, norm):
    assert error("subtable", {"sku": "A"}, fields=LINE_FIELDS) == {"": ["must be a list of rows"]}
    assert error("subtable", [{"sku": "A"}], fields=LINE_FIELDS, min_rows=2) == {
        "": ["must have at least 2 rows"]
    }
    assert error("subtable", [{"sku": "A"}] * 3, fields=LINE_FIELDS, max_rows=2) == {
        "": ["must have at most 2 rows"]
    }
    assert error("subtable", [{"sku": "A"}] * 1001, fields=LINE_FIELDS) == {
        "": ["must have at most 1000 rows"]
    }
    assert len(norm("subtable", [{"sku": "A"}] * 1000, fields=LINE_FIELDS)) == 1000


def test_editing_keeps_row_identity_and_omitted_values(ctx, workspace, form):
    stored = {"lines": [{"_id": "r1", "sku": "A", "qty": 3, "price": "1.00"}]}
    record = Record.objects.create(workspace=workspace, form=form, form_version=1, data=stored)
    update = dataclasses.replace(ctx, record=record, creating=False)
    data = validate_data(
        [LINES], {"lines": [{"_id": "r1", "qty": 5}, {"sku": "NEW"}]}, update, existing=stored
    )
    assert data["lines"][0] == {"_id": "r1", "sku": "A", "qty": 5, "price": "1.00"}
    assert (
        data["lines"][1]["sku"] == "NEW" and data["lines"][1]["qty"] == 1
    )  # new rows get defaults
    cleared = validate_data(
        [LINES], {"lines": [{"_id": "r1", "price": None}]}, update, existing=stored
    )
    assert cleared["lines"] == [{"_id": "r1", "sku": "A", "qty": 3}]


def test_api_and_csv(norm):
    subtable = field_types.get("subtable")
    field = {**LINES, "fields": [*LINE_FIELDS, {"key": "ok", "type": "boolean"}]}
    rows = [{"_id": "r1", "sku": "衬衫", "qty": 2, "price": "9.90", "ok": True}]
    assert subtable.to_api(rows, field) == rows
    text = subtable.to_csv(rows, field)
    assert text == '[{"_id":"r1","sku":"衬衫","qty":2,"price":"9.90","ok":true}]'
    assert norm("subtable", subtable.from_csv(text, field), fields=field["fields"]) == rows
    assert subtable.from_csv("not json", field) == "not json"
    assert json.loads(subtable.to_csv([], field) or "null") is None


def test_definition(definition_errors):
    assert definition_errors([{**LINES, "min_rows": 1, "max_rows": 50}]) == {}
    nested = {"key": "inner", "type": "subtable", "fields": [{"key": "x", "type": "text"}]}
    bad = {
        **LINES,
        "fields": [
            *LINE_FIELDS,
            nested,
            {"key": "no", "type": "serial"},
            {"key": "u", "type": "text", "unique": True},
        ],
        "min_rows": 5,
        "max_rows": 2,
    }
    assert definition_errors([bad]) == {
        "fields[0].fields[3].type": ["a subtable field cannot be used inside a table"],
        "fields[0].fields[4].type": ["a serial field cannot be used inside a table"],
        "fields[0].fields[5].unique": ["a field inside a table cannot be unique"],
        "fields[0].max_rows": ["must not be less than min_rows (5)"],
    }


def test_definition_checks_sub_fields_by_path(definition_errors):
    assert definition_errors(
        [{**LINES, "fields": [{"key": "qty", "type": "integer", "colour": 1}]}]
    ) == {"fields[0].fields[0]": ["unknown option(s): colour"]}
    dup = [{"key": "qty", "type": "integer"}, {"key": "qty", "type": "text"}]
    assert definition_errors([{**LINES, "fields": dup}]) == {
        "fields[0].fields[1].key": ["'qty' is used by another field"]
    }
    assert definition_errors([{"key": "lines", "type": "subtable", "fields": []}]) == {
        "fields[0].fields": ["violates minItems = 1"]
    }
    assert definition_errors([{"key": "lines", "type": "subtable"}]) == {
        "fields[0].fields": ["is required: a table needs at least one column"]
    }
