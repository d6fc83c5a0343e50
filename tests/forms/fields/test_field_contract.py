"""What every registered field type promises, checked over ``field_types.all()``.

A new type gets these checks for free by giving a ``sample`` (a stored value) and,
if its options need values, a ``sample_field``; a type whose definition holds ids
(``export``/``import_``) also gives a definition holding them in ``transferred``.
"""

import copy
import json

import pytest
from django.db.models import F
from jsonschema import Draft202012Validator

from apps.forms.fields import FieldType, TransferContext, field_types
from apps.forms.fields.base import COMMON_OPS, RANGE_OPS, TEXT_OPS
from apps.forms.models import Record
from apps.forms.schema import COMMON_FIELD_PROPERTIES, form_schema
from tests.support import contracts
from tests.support.shops import two_shops

TYPES = sorted(field_types.all(), key=lambda t: t.type)
KNOWN_OPS = set(COMMON_OPS + RANGE_OPS + TEXT_OPS)
REFERENCES = {
    "user",
    "relation",
    "attachment",
}  # their CSV round trip needs real rows: see test_field_refs
MATCHES_FULL = {
    "eq",
    "in",
    "gte",
    "lte",
    "between",
    "contains",
    "icontains",
    "startswith",
    "not_empty",
}
MATCHES_BLANK = {"ne", "not_in", "empty"}
SAME_IN_CHINESE: frozenset[str] = frozenset()  # field types whose label is rightly the same word in Chinese

pytestmark = pytest.mark.parametrize("ftype", TYPES, ids=lambda t: t.type)


def field_of(ftype):
    return {"key": "f", "type": ftype.type, **getattr(ftype, "sample_field", {})}


def test_has_a_label_and_a_sample(ftype):
    assert str(ftype.label).strip()
    assert hasattr(ftype, "sample") and ftype.sample is not None


def test_it_is_named_in_english_and_in_chinese(ftype):
    contracts.check_named_in_each_language(ftype.label, same_in_chinese=ftype.type in SAME_IN_CHINESE)


def test_the_reference_page_documents_it(ftype):
    assert ftype.type in contracts.reference_entries("field-types.md")


def test_options_and_value_schemas_are_valid_json_schema(ftype):
    for name, schema in ftype.options_schema.items():
        Draft202012Validator.check_schema(schema)
        assert name not in COMMON_FIELD_PROPERTIES, f"{name} would shadow a common property"
    Draft202012Validator.check_schema(ftype.value_schema)
    Draft202012Validator(ftype.value_schema).validate(ftype.sample)
    Draft202012Validator.check_schema(form_schema())


def test_filter_ops_are_known(ftype):
    assert set(ftype.filter_ops) <= KNOWN_OPS


def test_csv_round_trip(ftype, ctx):
    field = field_of(ftype)
    text = ftype.to_csv(ftype.sample, field)
    assert isinstance(text, str) and text
    assert ftype.to_csv(None, field) == ""
    back = ftype.from_csv(text, field)
    if ftype.computed:
        assert back == ftype.sample
    elif ftype.type in REFERENCES:
        assert ftype.to_csv(back, field) == text
    else:
        assert ftype.normalize(back, field, ctx) == ftype.sample


def test_sample_definition_is_accepted_and_unknown_options_refused(
    ftype, another_form, definition_errors
):
    another_form("products")
    field = field_of(ftype)
    assert definition_errors([field]) == {}
    assert definition_errors([{**field, "bogus": 1}]) == {"fields[0]": ["unknown option(s): bogus"]}


def test_api_unique_and_display_values(ftype, db):
    field = field_of(ftype)
    json.dumps(ftype.to_api(ftype.sample, field))
    assert isinstance(ftype.display(ftype.sample, field), str)
    if ftype.can_be_unique:
        unique = ftype.unique_value(ftype.sample, field)
        assert isinstance(unique, str) and 0 < len(unique) <= 512


def operand(ftype, field, op, ctx):
    sample = ftype.sample
    scalar = sample[0] if isinstance(sample, list) else sample
    if op in ("empty", "not_empty"):
        return None
    if op in ("in", "not_in"):
        return [ftype.filter_value(scalar, field, ctx)]
    if op == "between":
        value = ftype.filter_value(sample, field, ctx)
        return (value, value)
    if op == "contains":
        return ftype.filter_value(scalar, field, ctx)
    if op == "icontains":
        return ftype.filter_value(sample.upper(), field, ctx)
    return ftype.filter_value(sample, field, ctx)


def test_every_filter_op_runs_and_matches_the_sample(ftype, ctx, workspace, form):
    if not ftype.stored_in_data:
        pytest.skip("kept outside Record.data; filtered by the counter query")
    field = field_of(ftype)
    full = Record.objects.create(
        workspace=workspace, form=form, form_version=1, data={"f": ftype.sample}
    )
    blank = Record.objects.create(workspace=workspace, form=form, form_version=1, data={})
    records = Record.objects.filter(form=form)
    for op in ftype.filter_ops:
        q = ftype.filter_q("data__f", field, op, operand(ftype, field, op, ctx))
        found = set(records.filter(q).values_list("id", flat=True))
        expected = {full.id} if op in MATCHES_FULL else {blank.id} if op in MATCHES_BLANK else set()
        assert found == expected, op
    if ftype.sortable:
        expression = ftype.db_expression("data__f", field)
        assert list(
            records.order_by(expression.asc(nulls_first=True), F("id")).values_list("id", flat=True)
        )


def transferred(ftype, shop):
    """A field whose definition holds ids of ``shop``'s workspace where its type can hold any."""
    field = field_of(ftype)
    if ftype.type == "user":
        return {**field, "default": [shop.alice.pk]}
    if ftype.type == "relation":
        return {**field, "default": [shop.tee.pk]}
    if ftype.type in REFERENCES or ftype.computed:
        return field  # a file cannot travel: see test_definitions_io
    return {**field, "default": ftype.sample}


def overrides_transfer(ftype) -> bool:
    return type(ftype).export is not FieldType.export or type(ftype).import_ is not FieldType.import_


def test_a_definition_exported_and_imported_again_in_its_workspace_is_unchanged(ftype, make):
    shop, _ = two_shops(make)
    field = transferred(ftype, shop)
    exported = ftype.export(copy.deepcopy(field), TransferContext(shop.workspace))
    json.dumps(exported)
    assert ftype.import_(exported, TransferContext(shop.workspace)) == field


def test_ids_it_holds_travel_as_keys_and_come_back_as_the_other_workspaces_ids(ftype, make):
    if not overrides_transfer(ftype):
        pytest.skip("holds no ids: its definition travels as it is")
    source, target = two_shops(make)
    exported = ftype.export(transferred(ftype, source), TransferContext(source.workspace))
    assert exported == ftype.export(transferred(ftype, target), TransferContext(target.workspace))
    assert ftype.import_(exported, TransferContext(target.workspace)) == transferred(ftype, target)
