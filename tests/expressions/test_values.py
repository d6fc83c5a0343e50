from datetime import date, datetime
from decimal import Decimal

import pytest

from apps.expressions import ExpressionError, evaluate_expression, evaluate_value

CTX = {
    "record": {
        "qty": 3,
        "price": Decimal("19.99"),
        "status": "paid",
        "note": None,
        "tags": ["a", "b"],
        "ordered_on": date(2025, 3, 1),
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "items": [{"sku": "A"}],
    },
    "item": {"price": Decimal("2.50")},
}


def test_source_without_markers_is_a_literal():
    assert evaluate_value("plain text 50%", CTX) == "plain text 50%"
    assert evaluate_value("", CTX) == ""
    assert evaluate_value("{ not } a template", CTX) == "{ not } a template"


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("{{ record.qty }}", 3),
        ("  {{ record.qty }}  ", 3),
        ("{{ record.qty }}\n", 3),
        ("{{ record.price }}", Decimal("19.99")),
        ("{{ record.qty > 2 }}", True),
        ("{{ record.tags }}", ["a", "b"]),
        ("{{ record.customer }}", {"name": "Ada", "email": "ada@example.com"}),
        ("{{ record.ordered_on }}", date(2025, 3, 1)),
        ("{{ record.note }}", None),
        ("{{ none }}", None),
        ("{{ (1, 2) }}", [1, 2]),
        ("{{ range(3) }}", [0, 1, 2]),
        ("{{ 'x' }}", "x"),
        ("{{ 'x' if record.qty > 5 }}", None),
    ],
)
def test_single_expression_returns_native_value(source, expected):
    result = evaluate_value(source, CTX)
    assert result == expected
    assert type(result) is type(expected)


def test_mixed_text_renders_to_string():
    assert evaluate_value("Qty {{ record.qty }} of {{ record.price }}", CTX) == "Qty 3 of 19.99"
    assert evaluate_value("{{ record.qty }}{{ record.qty }}", CTX) == "33"
    assert evaluate_value("{{ record.note }}!", CTX) == "!"
    assert evaluate_value("{{ record.tags }}", CTX) == ["a", "b"]
    assert evaluate_value("tags: {{ record.tags }}", CTX) == 'tags: ["a", "b"]'


def test_decimal_exactness():
    assert evaluate_expression("0.1 + 0.2 == 0.3", {}) is True
    assert evaluate_expression("0.1 + 0.2", {}) == Decimal("0.3")
    assert evaluate_value("{{ 1.10 * 3 }}", {}) == Decimal("3.30")
    assert evaluate_expression("1 + 2", {}) == 3
    assert type(evaluate_expression("1 + 2", {})) is int
    assert evaluate_expression("10 / 4", {}) == Decimal("2.5")
    assert isinstance(evaluate_expression("10 / 5", {}), Decimal)
    assert evaluate_expression("7 // 2", {}) == 3
    assert evaluate_expression("2 ** -1", {}) == Decimal("0.5")
    assert evaluate_expression("1_000.50 + 1", {}) == Decimal("1001.50")
    assert evaluate_expression("1e3", {}) == Decimal("1E+3")


def test_float_literals_keep_every_digit():
    assert evaluate_expression("0.12345678901234567890123", {}) == Decimal(
        "0.12345678901234567890123"
    )


def test_float_inputs_are_converted_through_text():
    assert evaluate_expression("price + 0.2", {"price": 0.1}) == Decimal("0.3")
    assert evaluate_expression("price * qty", {"price": 1.1, "qty": 3}) == Decimal("3.3")
    assert evaluate_expression("a + b", {"a": 0.1, "b": 0.2}) == Decimal("0.3")
    assert evaluate_value("{{ price }}", {"price": 0.5}) == Decimal("0.5")


def test_money_sum_of_line_items():
    lines = [
        {"qty": 3, "price": Decimal("19.99")},
        {"qty": 1, "price": Decimal("0.01")},
        {"qty": 2, "price": Decimal("4.005")},
    ]
    total = evaluate_value("{{ lines|sum('price') }}", {"lines": lines})
    assert total == Decimal("24.005")
    assert evaluate_expression("(lines|sum('price'))|money", {"lines": lines}) == Decimal("24.01")


def test_expression_results_are_native():
    assert evaluate_expression("record.qty * item.price", CTX) == Decimal("7.50")
    assert evaluate_expression("record.tags|length", CTX) == 2
    assert evaluate_expression("{'a': record.qty}", CTX) == {"a": 3}
    assert evaluate_expression("[record.qty, 'x']", CTX) == [3, "x"]


def test_dict_keys_are_reachable_as_attributes_and_win_over_methods():
    assert evaluate_expression("record.items", CTX) == [{"sku": "A"}]
    assert evaluate_expression("record['qty']", CTX) == 3
    assert evaluate_expression("record.customer.email", CTX) == "ada@example.com"
    assert evaluate_expression("record.customer.keys()|list|sort", CTX) == ["email", "name"]
    assert evaluate_expression("record.customer.get('name')", CTX) == "Ada"


def test_indexing_and_slicing():
    assert evaluate_expression("record.tags[0]", CTX) == "a"
    assert evaluate_expression("record.tags.1", CTX) == "b"
    assert evaluate_expression("record.tags[-1]", CTX) == "b"
    assert evaluate_expression("'abcdef'[1:3]", CTX) == "bc"
    assert evaluate_expression("record.tags[1.0]", CTX) == "b"


def test_allowed_methods_on_plain_data():
    assert evaluate_expression("'a,b'.split(',')", {}) == ["a", "b"]
    assert evaluate_expression("' x '.strip()", {}) == "x"
    assert evaluate_expression("'abc'.startswith('a')", {}) is True
    assert evaluate_expression("d.year", {"d": date(2025, 3, 1)}) == 2025
    assert evaluate_expression("d.weekday()", {"d": date(2025, 3, 1)}) == 5
    assert evaluate_expression("d.hour", {"d": datetime(2025, 3, 1, 7)}) == 7


def test_undefined_in_values_is_an_error_naming_the_name():
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("record.qty * item.price", {"record": {"qty": 1}})
    assert info.value.kind == "undefined"
    assert "'item' is undefined" in info.value.message
    assert str(info.value) == "Expression `record.qty * item.price`: 'item' is undefined"


def test_missing_key_is_undefined():
    with pytest.raises(ExpressionError) as info:
        evaluate_value("{{ record.missing }}", CTX)
    assert info.value.kind == "undefined"
    assert "missing" in info.value.message
    with pytest.raises(ExpressionError, match="missing"):
        evaluate_value("Hello {{ record.missing }}", CTX)
    with pytest.raises(ExpressionError, match="'nobody' is undefined"):
        evaluate_value("{{ nobody.name.first }}", CTX)


def test_undefined_can_be_tested_and_defaulted():
    assert evaluate_expression("record.missing is defined", CTX) is False
    assert evaluate_expression("record.missing|default('n/a')", CTX) == "n/a"
    assert evaluate_expression("record.note|default('n/a')", CTX) == "n/a"
    assert evaluate_expression("'yes' if record.missing else 'no'", CTX) == "no"
    assert evaluate_expression("record.customer.phone|default('-')", CTX) == "-"


def test_now_and_today_come_from_the_context():
    today = date(2025, 1, 31)
    assert evaluate_expression("today|add_days(1)", {"today": today}) == date(2025, 2, 1)
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("now", {})
    assert info.value.kind == "undefined"


def test_globals():
    assert evaluate_expression("min(3, 1, 2)", {}) == 1
    assert evaluate_expression("max([1, 5, 2])", {}) == 5
    assert evaluate_expression("len('abc') + len([1])", {}) == 4
    assert evaluate_expression("decimal('19.99') + decimal(1)", {}) == Decimal("20.99")
    assert evaluate_expression("range(1, 7, 2)|list", {}) == [1, 3, 5]


def test_context_names_shadow_globals():
    assert evaluate_expression("len", {"len": 5}) == 5


def test_type_errors_are_reported():
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("'a' + 1", {})
    assert info.value.kind == "type"
    assert "cannot apply + to a text and a number" in info.value.message
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("[1] * 1.5", {})
    assert info.value.kind == "type"


def test_division_by_zero_is_a_runtime_error():
    for source in ("1 / 0", "1 // 0", "1 % 0", "1.5 / 0", "0 / 0"):
        with pytest.raises(ExpressionError) as info:
            evaluate_expression(source, {})
        assert info.value.kind == "runtime", source


def test_results_do_not_alias_context_data():
    tags = ["a"]
    result = evaluate_expression("tags", {"tags": tags})
    result.append("b")
    assert tags == ["a"]


def test_functions_are_not_values():
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("range", {})
    assert info.value.kind == "type"
