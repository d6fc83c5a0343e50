import time

import pytest

from apps.expressions import (
    DEFAULT_LIMITS,
    ExpressionError,
    Limits,
    evaluate_expression,
    render_template,
)


def test_defaults():
    assert Limits() == DEFAULT_LIMITS
    assert DEFAULT_LIMITS.time_ms == 100
    assert DEFAULT_LIMITS.max_output_chars == 64_000
    assert DEFAULT_LIMITS.max_sequence_len == 10_000
    assert DEFAULT_LIMITS.max_int_digits == 100
    assert DEFAULT_LIMITS.max_loop_iterations == 10_000
    with pytest.raises(AttributeError):
        DEFAULT_LIMITS.time_ms = 5


def test_time_limit_stops_cpu_heavy_templates():
    started = time.perf_counter()
    with pytest.raises(ExpressionError) as info:
        render_template(
            "{% for i in range(10000) %}{{ range(10000)|sum }}{% endfor %}",
            {},
            limits=Limits(time_ms=20),
        )
    assert info.value.kind == "timeout"
    assert "20 ms" in info.value.message
    assert time.perf_counter() - started < 1


def test_time_limit_is_checked_in_filters_and_operators():
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("xs|sum", {"xs": list(range(1000))}, limits=Limits(time_ms=0))
    assert info.value.kind == "timeout"


def test_int_digits():
    limits = Limits(max_int_digits=10)
    assert evaluate_expression("99999 * 99999", {}, limits=limits) == 9999800001
    for source in ("999999 * 999999", "10 ** 10", "9999999999 + 1", "x * 10", "2 ** 40"):
        with pytest.raises(ExpressionError) as info:
            evaluate_expression(source, {"x": 10**9}, limits=limits)
        assert info.value.kind == "limit", source
    assert evaluate_expression("10 ** 99", {}) == 10**99
    with pytest.raises(ExpressionError):
        evaluate_expression("10 ** 100", {})


def test_sequence_length():
    limits = Limits(max_sequence_len=5)
    assert evaluate_expression("'ab' * 2 ~ 'c'", {}, limits=limits) == "ababc"
    for source in ("'abc' * 2", "[1, 2, 3] + [4, 5, 6]", "range(6)", "'abc' ~ 'def'", "3 * 'ab'"):
        with pytest.raises(ExpressionError) as info:
            evaluate_expression(source, {}, limits=limits)
        assert info.value.kind == "limit", source


def test_nested_items_count_shared_references():
    limits = Limits(max_nested_items=1000)
    assert len(evaluate_expression("[xs, xs]", {"xs": list(range(400))}, limits=limits)) == 2
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("[xs, xs, xs]", {"xs": list(range(400))}, limits=limits)
    assert info.value.kind == "limit"
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("[xs] * 3", {"xs": list(range(400))}, limits=limits)
    assert info.value.kind == "limit"
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("{'a': xs, 'b': xs, 'c': xs}", {"xs": list(range(400))}, limits=limits)
    assert info.value.kind == "limit"


def test_source_length():
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("1 + " * 20_000 + "1", {})
    assert info.value.kind in ("syntax", "limit")


def test_time_spent_descheduled_is_not_counted_up_to_a_hard_cap():
    from time import perf_counter

    from apps.expressions.limits import Budget

    budget = Budget(Limits(time_ms=50))
    budget.deadline = perf_counter() - 1  # as if the worker was busy elsewhere
    budget.tick()  # the evaluation itself has barely used any CPU time
    assert budget.deadline > perf_counter()
    budget.deadline = budget.hard_deadline = perf_counter() - 1
    with pytest.raises(Exception, match="longer than 50 ms"):
        budget.tick()
