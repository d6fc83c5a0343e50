"""formula: computed from the record with apps.expressions, exact decimals in and out."""

import dataclasses

import pytest

from apps.core.errors import ValidationFailed
from apps.forms.fields import FieldValueError, field_types
from apps.forms.validation import validate_data

QTY = {"key": "qty", "type": "integer"}
PRICE = {"key": "price", "type": "decimal", "decimal_places": 3}


def compute(ctx, another_form, fields, data):
    """validate_data on a form whose stored definition is ``fields`` (formulas read field types from it)."""
    form = another_form("sales", fields)
    return validate_data(fields, data, dataclasses.replace(ctx, form=form))


def formula(expression, **options):
    return {"key": "total", "type": "formula", "expression": expression, **options}


@pytest.mark.parametrize(
    ("field", "expected"),
    [
        (formula("record.qty * record.price"), "0.38"),  # 3 x 0.125 = 0.375, rounded half up
        (formula("{{ record.qty * record.price }}", decimal_places=4), "0.3750"),
        (formula("record.qty * record.price", result="integer"), 0),
        (formula("record.qty / 2", result="integer"), 2),
        (formula("record.qty > 2", result="boolean"), True),
        (formula("'SKU-' ~ record.qty", result="text"), "SKU-3"),
        (formula("record.shipped", result="date"), "2024-05-01"),
    ],
)
def test_results(ctx, another_form, field, expected):
    fields = [QTY, PRICE, {"key": "shipped", "type": "date"}, field]
    data = compute(ctx, another_form, fields, {"qty": 3, "price": "0.125", "shipped": "2024/5/1"})
    assert data["total"] == expected


def test_decimal_inputs_are_exact(ctx, another_form):
    fields = [
        QTY,
        {"key": "price", "type": "decimal"},
        formula("record.qty * record.price", decimal_places=8),
    ]
    assert compute(ctx, another_form, fields, {"qty": 3, "price": "0.10"})["total"] == "0.30000000"


def test_a_formula_may_use_an_earlier_one(ctx, another_form):
    fields = [
        QTY,
        PRICE,
        formula("record.qty * record.price"),
        {**formula("record.total * 2"), "key": "double"},
    ]
    data = compute(ctx, another_form, fields, {"qty": 2, "price": "1.005"})
    assert (data["total"], data["double"]) == ("2.01", "4.02")


def test_table_columns_and_totals(ctx, another_form):
    line_total = {"key": "amount", "type": "formula", "expression": "record.qty * record.price"}
    lines = {"key": "lines", "type": "subtable", "fields": [QTY, PRICE, line_total]}
    fields = [lines, formula("record.lines | sum(attribute='amount')")]
    data = compute(
        ctx,
        another_form,
        fields,
        {"lines": [{"qty": 2, "price": "1.5"}, {"qty": 1, "price": "0.25"}]},
    )
    assert [row["amount"] for row in data["lines"]] == ["3.00", "0.25"]
    assert data["total"] == "3.25"


def test_a_formula_over_an_empty_field_stays_empty(ctx, another_form):
    fields = [QTY, PRICE, formula("record.qty * record.price")]
    assert "total" not in compute(ctx, another_form, fields, {"qty": 3})


def test_expression_errors_become_field_errors(ctx, another_form):
    fields = [QTY, PRICE, formula("record.qty / (record.price - record.price)")]
    with pytest.raises(ValidationFailed) as info:
        compute(ctx, another_form, fields, {"qty": 3, "price": "2.00"})
    [message] = [str(m) for m in info.value.errors["total"]]
    assert message.startswith("Expression `record.qty / (record.price - record.price)`")


def test_results_that_do_not_fit_the_type(ctx, another_form):
    fields = [{"key": "sku", "type": "text"}, formula("record.sku")]
    with pytest.raises(ValidationFailed) as info:
        compute(ctx, another_form, fields, {"sku": "abc"})
    assert [str(m) for m in info.value.errors["total"]] == [
        "the formula gave 'abc', which is not a valid decimal: 'abc' is not a number"
    ]


def test_empty_result_leaves_the_field_empty(ctx, another_form):
    fields = [{"key": "note", "type": "text"}, formula("record.note", result="text")]
    assert "total" not in compute(ctx, another_form, fields, {})


def test_input_is_not_accepted(ctx, error):
    assert error("formula", "1", expression="1") == {"": ["is computed and cannot be set"]}
    assert validate_data([formula("1 + 1")], {"total": "99"}, ctx) == {"total": "2.00"}


def test_convert_and_filter_value():
    kind = field_types.get("formula")
    assert kind.filter_value("2.5", {"result": "decimal"}) == "2.50"
    assert kind.filter_value("yes", {"result": "boolean"}) is True
    with pytest.raises(FieldValueError):
        kind.filter_value("x", {"result": "integer"})


def test_definition(definition_errors):
    assert definition_errors([QTY, formula("{{ record.qty * 2 }}", result="integer")]) == {}
    assert definition_errors([formula("record.qty *")]) == {
        "fields[0].expression": ["syntax error on line 1: unexpected 'end of template'"]
    }
    assert definition_errors([{"key": "total", "type": "formula"}]) == {
        "fields[0].expression": ["is required"]
    }
    assert definition_errors([formula("1", result="money")]) == {
        "fields[0].result": ["must be one of: decimal, integer, text, boolean, date"]
    }
    assert definition_errors([formula("1", decimal_places=9)]) == {
        "fields[0].decimal_places": ["violates maximum = 8"]
    }
