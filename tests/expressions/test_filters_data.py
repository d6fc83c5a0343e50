import json
from datetime import date
from decimal import Decimal

import pytest

from apps.expressions import ExpressionError, Limits, evaluate_expression, render_template


def test_json_keeps_decimals_as_strings():
    data = {"total": Decimal("10.50"), "on": date(2025, 3, 1), "tags": ["a"], "n": None}
    text = evaluate_expression("data|json", {"data": data})
    assert json.loads(text) == {"total": "10.50", "on": "2025-03-01", "tags": ["a"], "n": None}
    assert evaluate_expression("[true, 1]|json", {}) == "[true, 1]"
    assert json.loads(evaluate_expression("data|json(2)", {"data": data}))["total"] == "10.50"
    assert "\n  " in evaluate_expression("data|json(2)", {"data": data})


def test_json_output_is_bounded():
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("(['x' * 100] * 100)|json", {}, limits=Limits(max_output_chars=1000))
    assert info.value.kind == "limit"


def test_default():
    assert evaluate_expression("missing|default('-')", {}) == "-"
    assert evaluate_expression("x|default('-')", {"x": None}) == "-"
    assert evaluate_expression("x|d('-')", {"x": ""}) == ""
    assert evaluate_expression("x|default('-', true)", {"x": ""}) == "-"
    assert evaluate_expression("x|default('-')", {"x": 0}) == 0
    assert render_template("{{ a.b.c|default('none') }}", {"a": {}}) == "none"
