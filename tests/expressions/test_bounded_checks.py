"""Checking is bounded: deep or long sources are refused by a linear scan, definitions by size and time."""

from __future__ import annotations

import pytest

from apps.expressions import (
    DefinitionChecks,
    ExpressionError,
    check_syntax,
    evaluate_expression,
    evaluate_value,
)
from apps.expressions.limits import DEFAULT_LIMITS
from apps.expressions.shape import measure

MAX_OPERATORS = DEFAULT_LIMITS.max_operators
MAX_NESTING = DEFAULT_LIMITS.max_nesting


def test_five_thousand_nested_brackets_are_refused_by_the_scan():
    source = "(" * 5000 + "1" + ")" * 5000
    assert check_syntax(source, mode="expression") == (
        f"expression too complex (brackets nested more than {MAX_NESTING} deep)")
    for brackets in ("[" * 5000 + "]" * 5000, "{{ " + "(" * 5000 + "x" + ")" * 5000 + " }}"):
        assert "nested more than" in check_syntax(brackets, mode="value" if "{{" in brackets else "expression")


def test_a_chain_of_five_thousand_operators_is_refused_by_the_scan():
    for chain in ("1+" * 5000 + "1", "x" + ".a" * 5000, "x" + "|abs" * 5000, "x and " * 5000 + "x",
                  "x" + "[0]" * 5000):
        assert check_syntax(chain, mode="expression") == (
            f"expression too complex (more than {MAX_OPERATORS} operators)"), chain[:20]


def test_the_scan_stops_evaluation_too():
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("1+" * 5000 + "1", {})
    assert info.value.kind == "syntax" and "more than" in info.value.detail


def test_a_formula_at_the_bounds_still_works():
    assert evaluate_expression("1+" * MAX_OPERATORS + "1", {}) == MAX_OPERATORS + 1
    assert evaluate_expression("(" * MAX_NESTING + "2" + ")" * MAX_NESTING, {}) == 2
    assert check_syntax("1+" * (MAX_OPERATORS + 1) + "1", mode="expression") is not None


def test_text_and_string_literals_are_not_counted_as_operators():
    text = "a + b - c * d / e " * 1000
    assert evaluate_value("{{ x }} " + text, {"x": 1}).startswith("1 a + b")
    assert check_syntax("{{ '" + "+(" * 2000 + "' }}", mode="value") is None
    assert check_syntax("{# " + "+" * 2000 + " #}{{ 1 }}", mode="template") is None
    assert check_syntax("1.5 + 2.25", mode="expression") is None


def test_each_placeholder_of_a_template_is_its_own_expression():
    many = "{{ a + b }} " * 500
    assert measure(many, whole=False, max_operators=10**6, max_depth=10**6).operators == 1
    assert check_syntax(many, mode="template") is None
    assert "operators" in check_syntax("{{ 1 }}{% if " + "x or " * 500 + "x %}{% endif %}", mode="template")


def test_the_closing_braces_of_a_dict_do_not_end_a_placeholder():
    assert measure("{{ {'a': {'b': (1)}} }}", whole=False, max_operators=10, max_depth=10).depth == 3


def test_a_long_expression_is_refused_by_its_length_without_compiling():
    checks = DefinitionChecks(max_chars=4000, max_total_chars=65536, time_ms=10_000)
    problem = checks.check("{{ " + "x ~ " * 12_500 + "x }}", mode="value")
    assert problem == "the expression is 50007 characters long; the limit is 4000"
    assert checks.total_chars == 0 and not checks.stopped


def test_the_expressions_of_a_definition_are_bounded_in_total():
    checks = DefinitionChecks(max_chars=4000, max_total_chars=10_000, time_ms=10_000)
    source = "[" + ", ".join(["1"] * 1300) + "]"  # 3,900 characters
    assert [checks.check(source, mode="expression") for _ in range(2)] == [None, None]
    assert "longer than 10000 characters in all; checking stopped here" in checks.check(source, mode="expression")
    assert checks.check("1 +", mode="expression") is None  # stopped: the definition is refused already


def test_checking_stops_when_the_time_budget_is_spent():
    checks = DefinitionChecks(max_chars=4000, max_total_chars=65536, time_ms=0)
    assert "took longer than 0 ms; checking stopped here" in checks.check("1 + 1", mode="expression")
    assert checks.stopped


def test_a_literal_value_costs_nothing():
    checks = DefinitionChecks(max_chars=10, max_total_chars=10, time_ms=0)
    assert checks.check("Free shipping for every order over 100", mode="value") is None
    assert checks.total_chars == 0


def test_the_bounds_come_from_settings_by_default(settings):
    settings.WEFT = {**settings.WEFT, "EXPRESSION_MAX_CHARS": 7, "DEFINITION_EXPRESSION_CHARS": 9,
                     "DEFINITION_CHECK_MS": 1234}
    checks = DefinitionChecks()
    assert (checks.max_chars, checks.max_total_chars, checks.time_ms) == (7, 9, 1234)
    assert "limit is 7" in checks.check("1 + 1 + 1", mode="expression")
