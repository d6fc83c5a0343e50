from decimal import Decimal

import pytest

from apps.expressions import ExpressionError, Limits, render_template

ORDER = {
    "order": {
        "number": "A-1001",
        "customer": {"name": "Ada"},
        "lines": [
            {"sku": "MUG", "qty": 2, "price": Decimal("9.99")},
            {"sku": "TEE", "qty": 1, "price": Decimal("19.50")},
        ],
        "coupon": None,
    }
}


def test_notification_body_with_if_and_for():
    body = render_template(
        """Hello {{ order.customer.name }},
Your order {{ order.number }}:
{% for line in order.lines %}
- {{ line.qty }} x {{ line.sku }} at {{ line.price|money }}
{% endfor %}
{% if order.coupon %}
Coupon: {{ order.coupon }}
{% endif %}
Total: {{ order.lines|sum('price')|money }}
""",
        ORDER,
    )
    assert body == (
        "Hello Ada,\nYour order A-1001:\n- 2 x MUG at 9.99\n- 1 x TEE at 19.50\nTotal: 29.49"
    )


def test_simple_set_and_loop_variable():
    source = (
        "{% set total = 0 %}{% for l in order.lines %}"
        "{{ loop.index }}/{{ loop.length }} {{ l.sku }}{{ ', ' if not loop.last }}"
        "{% endfor %}"
    )
    assert render_template(source, ORDER) == "1/2 MUG, 2/2 TEE"


def test_underscore_loop_variable():
    assert render_template("{% for _ in range(3) %}.{% endfor %}", {}) == "..."


def test_tuple_unpacking_and_else():
    source = "{% for k, v in data|dictsort %}{{ k }}={{ v }};{% else %}empty{% endfor %}"
    assert render_template(source, {"data": {"b": 2, "a": 1}}) == "a=1;b=2;"
    assert render_template(source, {"data": {}}) == "empty"


def test_loop_filter_and_cycle():
    source = "{% for n in range(5) if n is odd %}{{ loop.cycle('a', 'b') }}{{ n }}{% endfor %}"
    assert render_template(source, {}) == "a1b3"


def test_undefined_in_template_output_is_an_error():
    with pytest.raises(ExpressionError) as info:
        render_template("Hi {{ order.customer.nmae }}", ORDER)
    assert info.value.kind == "undefined"
    assert "nmae" in info.value.message


def test_undefined_in_if_is_false():
    assert render_template("{% if order.gift %}gift{% else %}no gift{% endif %}", ORDER) == (
        "no gift"
    )


@pytest.mark.parametrize(
    "source",
    [
        "{% include 'x.html' %}",
        "{% extends 'base.html' %}",
        "{% import 'macros.html' as m %}",
        "{% from 'macros.html' import m %}",
        "{% macro m() %}x{% endmacro %}",
        "{% call m() %}x{% endcall %}",
        "{% block body %}x{% endblock %}",
        "{% filter upper %}x{% endfilter %}",
        "{% with a = 1 %}{{ a }}{% endwith %}",
        "{% set x %}captured{% endset %}",
        "{% autoescape true %}x{% endautoescape %}",
        "{% for x in [1] recursive %}{{ loop([]) }}{% endfor %}",
        "{% set ns = dict() %}{% set ns.a = 1 %}",
    ],
)
def test_forbidden_statements(source):
    with pytest.raises(ExpressionError) as info:
        render_template(source, {})
    assert info.value.kind == "security"


def test_unknown_tags_are_syntax_errors():
    with pytest.raises(ExpressionError) as info:
        render_template("{% do x.append(1) %}", {"x": []})
    assert info.value.kind == "syntax"
    with pytest.raises(ExpressionError) as info:
        render_template("{% for x in y %}{% break %}{% endfor %}", {"y": [1]})
    assert info.value.kind == "syntax"


def test_output_is_capped():
    limits = Limits(max_output_chars=100)
    assert len(render_template("{{ 'x' * 100 }}", {}, limits=limits)) == 100
    with pytest.raises(ExpressionError) as info:
        render_template("{% for i in range(20) %}{{ 'x' * 10 }}{% endfor %}", {}, limits=limits)
    assert info.value.kind == "limit"


def test_loops_are_capped_in_total():
    limits = Limits(max_loop_iterations=50)
    assert render_template("{% for i in range(50) %}.{% endfor %}", {}, limits=limits) == "." * 50
    with pytest.raises(ExpressionError) as info:
        render_template(
            "{% for i in range(10) %}{% for j in range(10) %}.{% endfor %}{% endfor %}",
            {},
            limits=limits,
        )
    assert info.value.kind == "limit"
    assert "50" in info.value.message


def test_statements_are_not_allowed_in_values():
    from apps.expressions import evaluate_value

    with pytest.raises(ExpressionError) as info:
        evaluate_value("{% if x %}a{% endif %}", {"x": 1})
    assert info.value.kind == "syntax"
    assert "only allowed in templates" in info.value.message


def test_values_are_printed_as_text():
    context = {"d": {"a": 1}, "n": None, "amount": 0.1, "ok": True}
    assert render_template("{{ d.keys() }} {{ d }} [{{ n }}] {{ amount }} {{ ok }}", context) == (
        '["a"] {"a": 1} [] 0.1 True'
    )
    assert render_template("{{ 1e3 }} {{ 10 / 4 }}", {}) == "1000 2.5"
