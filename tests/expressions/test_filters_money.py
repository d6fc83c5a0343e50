from decimal import Decimal

import pytest

from apps.expressions import ExpressionError, evaluate_expression


def ev(source, **context):
    return evaluate_expression(source, context)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("2.345|money", Decimal("2.35")),
        ("2.344|money", Decimal("2.34")),
        ("-2.345|money", Decimal("-2.35")),
        ("(0 - 2.345)|money", Decimal("-2.35")),
        ("10|money", Decimal("10.00")),
        ("'19.999'|money", Decimal("20.00")),
        ("1.23456|money(4)", Decimal("1.2346")),
        ("2.5|money(0)", Decimal("3")),
        ("(1 / 3)|money", Decimal("0.33")),
    ],
)
def test_money_rounds_half_up(source, expected):
    result = ev(source)
    assert result == expected
    assert str(result) == str(expected)


def test_money_of_float_input_is_exact():
    assert ev("x|money", x=1.005) == Decimal("1.01")
    assert ev("x|money", x=2.675) == Decimal("2.68")


def test_decimal_filter():
    assert ev("'19.99'|decimal") == Decimal("19.99")
    assert ev("' 1_000.5 '|decimal") == Decimal("1000.5")
    assert ev("3|decimal") == Decimal(3)
    assert ev("x|decimal", x=0.1) == Decimal("0.1")
    for source in ("'abc'|decimal", "true|decimal", "[1]|decimal", "none|decimal"):
        with pytest.raises(ExpressionError) as info:
            ev(source)
        assert info.value.kind == "type", source


def test_round():
    assert ev("2.5|round") == Decimal("3")
    assert ev("3.5|round") == Decimal("4")
    assert ev("2.5|round(0, 'half_even')") == Decimal("2")
    assert ev("2.11|round(1, 'ceil')") == Decimal("2.2")
    assert ev("2.19|round(1, 'floor')") == Decimal("2.1")
    assert ev("1.2345|round(2)") == Decimal("1.23")
    assert ev("7|round") == 7
    with pytest.raises(ExpressionError) as info:
        ev("2.5|round(0, 'banker')")
    assert info.value.kind == "type"


def test_abs_and_int():
    assert ev("(0 - 3)|abs") == 3
    assert ev("(0 - 3.5)|abs") == Decimal("3.5")
    assert ev("x|abs", x=-1.5) == Decimal("1.5")
    assert ev("'42'|int") == 42
    assert ev("3.99|int") == 3
    assert ev("'abc'|int") == 0
    assert ev("'abc'|int(-1)") == -1


def test_money_of_huge_numbers_is_a_runtime_error():
    with pytest.raises(ExpressionError) as info:
        ev("decimal('1e40')|money")
    assert info.value.kind == "runtime"


def test_places_are_validated():
    with pytest.raises(ExpressionError) as info:
        ev("1|money(100)")
    assert info.value.kind == "type"
    with pytest.raises(ExpressionError):
        ev("1|money('2')")
