"""Arithmetic in expressions must agree with Python's Decimal arithmetic."""

import decimal
from decimal import Decimal

from hypothesis import given, settings
from hypothesis import strategies as st

from apps.expressions import ExpressionError, evaluate_expression

REFERENCE = decimal.Context(
    prec=28,
    rounding=decimal.ROUND_HALF_EVEN,
    traps=[decimal.InvalidOperation, decimal.DivisionByZero, decimal.Overflow],
)

amounts = st.decimals(
    min_value=Decimal("-1e12"),
    max_value=Decimal("1e12"),
    allow_nan=False,
    allow_infinity=False,
    places=4,
)
operators = st.sampled_from(["+", "-", "*", "/"])


def reference(left: Decimal, op: str, right: Decimal) -> Decimal:
    with decimal.localcontext(REFERENCE):
        return {
            "+": lambda: left + right,
            "-": lambda: left - right,
            "*": lambda: left * right,
            "/": lambda: left / right,
        }[op]()


@settings(max_examples=300, deadline=None)
@given(amounts, operators, amounts)
def test_context_decimals_match_python(left, op, right):
    context = {"a": left, "b": right}
    try:
        expected = reference(left, op, right)
    except (ZeroDivisionError, decimal.InvalidOperation):
        try:
            evaluate_expression(f"a {op} b", context)
        except ExpressionError as error:
            assert error.kind == "runtime"
        else:
            raise AssertionError("division by zero did not fail") from None
        return
    result = evaluate_expression(f"a {op} b", context)
    assert isinstance(result, Decimal)
    assert result == expected
    assert str(result) == str(expected)


@settings(max_examples=300, deadline=None)
@given(amounts, operators, amounts.filter(lambda d: d != 0))
def test_literal_decimals_match_python(left, op, right):
    source = f"({format(left, 'f')}) {op} ({format(right, 'f')})"
    with decimal.localcontext(REFERENCE):
        expected = reference(+left, op, +right)
    result = evaluate_expression(source, {})
    assert result == expected
    assert str(result) == str(expected)


@settings(max_examples=200, deadline=None)
@given(st.lists(amounts, max_size=50))
def test_sums_are_exact(values):
    with decimal.localcontext(REFERENCE):
        expected = sum(values, Decimal(0))
    assert evaluate_expression("values|sum", {"values": values}) == expected
    lines = [{"amount": v} for v in values]
    assert evaluate_expression("lines|sum('amount')", {"lines": lines}) == expected


@settings(max_examples=200, deadline=None)
@given(st.integers(min_value=-(10**40), max_value=10**40), st.integers(-(10**40), 10**40))
def test_integer_arithmetic_stays_integer(left, right):
    assert evaluate_expression("a + b", {"a": left, "b": right}) == left + right
    assert evaluate_expression("a - b", {"a": left, "b": right}) == left - right
    assert evaluate_expression("a * b", {"a": left, "b": right}) == left * right
    assert type(evaluate_expression("a * b", {"a": left, "b": right})) is int


@settings(max_examples=200, deadline=None)
@given(amounts)
def test_money_rounds_half_up(value):
    expected = value.quantize(Decimal("0.01"), rounding=decimal.ROUND_HALF_UP)
    assert evaluate_expression("v|money", {"v": value}) == expected
