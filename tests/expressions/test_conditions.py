from decimal import Decimal

import pytest

from apps.expressions import ExpressionError, evaluate_condition

RECORD = {"record": {"status": "paid", "total": Decimal("600.00"), "tags": ["vip"], "qty": 0}}


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("record.status == 'paid' and record.total > 500", True),
        ("record.status == 'paid' and record.total > 600", False),
        ("record.status != 'paid' or record.total >= 600", True),
        ("'vip' in record.tags", True),
        ("'new' not in record.tags", True),
        ("record.qty", False),
        ("record.tags", True),
        ("not record.qty", True),
        ("record.total > 599.99", True),
        ("record.total == 600", True),
        ("record.status is defined", True),
        ("record.tags|length > 0", True),
        ("record.status in ['paid', 'shipped']", True),
        ("record.total|money(0) == 600", True),
    ],
)
def test_conditions(source, expected):
    result = evaluate_condition(source, RECORD)
    assert result is expected


@pytest.mark.parametrize(
    "source",
    [
        "nobody",
        "record.missing",
        "record.missing > 5",
        "record.missing < 5",
        "record.missing == 'x'",
        "record.missing.deeper.still",
        "record.missing * 2 > 10",
        "record.missing|money > 10",
        "record.missing|length > 0",
        "'a' in record.missing",
        "record.missing and record.status == 'paid'",
        "customer.email.endswith('@example.com')",
        "record.missing|group_by('x')",
    ],
)
def test_undefined_names_are_falsy(source):
    assert evaluate_condition(source, RECORD) is False


def test_undefined_can_still_make_a_condition_true():
    assert evaluate_condition("record.missing is not defined", RECORD) is True
    assert evaluate_condition("not record.missing", RECORD) is True
    assert evaluate_condition("record.missing or record.status == 'paid'", RECORD) is True


def test_security_errors_are_not_hidden_in_conditions():
    with pytest.raises(ExpressionError) as info:
        evaluate_condition("record.__class__", RECORD)
    assert info.value.kind == "security"
    with pytest.raises(ExpressionError) as info:
        evaluate_condition("record.status.center(5)", RECORD)
    assert info.value.kind == "security"


def test_type_errors_are_reported_in_conditions():
    with pytest.raises(ExpressionError) as info:
        evaluate_condition("record.status > 5", RECORD)
    assert info.value.kind == "type"


def test_syntax_errors_in_conditions():
    with pytest.raises(ExpressionError) as info:
        evaluate_condition("record.status ==", RECORD)
    assert info.value.kind == "syntax"
    with pytest.raises(ExpressionError) as info:
        evaluate_condition("{% if x %}", RECORD)
    assert info.value.kind == "syntax"
