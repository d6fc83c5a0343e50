import pickle

import pytest

from apps.expressions import (
    ExpressionError,
    check_syntax,
    evaluate_expression,
    referenced_names,
    referenced_paths,
)


def test_error_attributes_and_message():
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("record.qty * item.price", {"record": {"qty": 1}})
    error = info.value
    assert error.expression == "record.qty * item.price"
    assert error.kind == "undefined"
    assert error.message == "'item' is undefined"
    assert str(error) == "Expression `record.qty * item.price`: 'item' is undefined"


def test_at_prefixes_the_location_and_returns_a_copy():
    error = ExpressionError("a +", "syntax", "unexpected end")
    located = error.at("Flow 'Refunds', step 2")
    assert located is not error
    assert located.message == "Flow 'Refunds', step 2: unexpected end"
    assert str(located) == "Flow 'Refunds', step 2: Expression `a +`: unexpected end"
    assert error.message == "unexpected end"
    nested = located.at("input 'amount'")
    assert nested.message == "Flow 'Refunds', step 2 / input 'amount': unexpected end"
    assert nested.kind == "syntax" and nested.expression == "a +"


def test_errors_pickle_for_task_results():
    error = ExpressionError("x", "limit", "too big").at("step 1")
    clone = pickle.loads(pickle.dumps(error))
    assert (clone.kind, clone.message, str(clone)) == (error.kind, error.message, str(error))


def test_unknown_kind_is_rejected():
    with pytest.raises(ValueError):
        ExpressionError("x", "oops", "message")


def test_long_sources_are_shortened_in_messages():
    error = ExpressionError("a" * 500, "syntax", "bad")
    assert len(str(error)) < 200


@pytest.mark.parametrize(
    ("source", "mode"),
    [
        ("record.qty * 2", "expression"),
        ("record.qty > 2 and record.ok", "condition"),
        ("{{ record.qty }}", "value"),
        ("Total {{ record.qty }} items", "value"),
        ("no template here", "value"),
        ("{% for x in xs %}{{ x }}{% endfor %}", "template"),
        ("{% set t = 1 %}{{ t }}", "template"),
    ],
)
def test_check_syntax_accepts_valid_sources(source, mode):
    assert check_syntax(source, mode=mode) is None


@pytest.mark.parametrize(
    ("source", "mode", "fragment"),
    [
        ("record.qty *", "expression", "line 1"),
        ("record.qty }} x", "expression", "after the expression"),
        ("{{ record.qty ", "value", "line 1"),
        ("Hi\n{% if x %}\nno end", "template", "line 3"),
        ("x|attr('__class__')", "expression", "'attr' is not allowed"),
        ("x|nosuchfilter", "expression", "no filter named 'nosuchfilter'"),
        ("x is nosuchtest", "expression", "no test named 'nosuchtest'"),
        ("x.__class__", "expression", "underscore"),
        ("x['__globals__']", "expression", "underscore"),
        ("{% include 'a' %}", "template", "{% include %} is not allowed"),
        ("{% if x %}y{% endif %}", "value", "only allowed in templates"),
        ("f(*args)", "expression", "*args"),
        ("self", "expression", "reserved"),
        ("__private", "expression", "reserved"),
        ("a\n|attr('x')", "expression", "(line 2)"),
        ("Hi\n{% include 'x' %}", "template", "not allowed (line 2)"),
        ("f(_loop_vars=1)", "expression", "reserved"),
    ],
)
def test_check_syntax_reports_problems(source, mode, fragment):
    message = check_syntax(source, mode=mode)
    assert message is not None
    assert fragment in message


def test_referenced_names():
    assert referenced_names("record.qty * item.price", mode="expression") == {"record", "item"}
    assert referenced_names("{{ record.qty }} {{ now }}", mode="value") == {"record", "now"}
    assert referenced_names("plain", mode="value") == set()
    assert referenced_names("range(3)|list", mode="expression") == set()
    assert referenced_names(
        "{% for line in order.lines %}{% set x = line.qty %}{{ x }}{% endfor %}", mode="template"
    ) == {"order"}
    assert referenced_names("a.b > 1 and c", mode="condition") == {"a", "c"}


def test_referenced_paths():
    assert referenced_paths("record.qty * item.price", mode="expression") == {
        "record.qty",
        "item.price",
    }
    assert referenced_paths("record.customer.email|lower", mode="expression") == {
        "record.customer.email"
    }
    assert referenced_paths("record['lines'][0].sku", mode="expression") == {"record.lines.0.sku"}
    assert referenced_paths("record[key].x", mode="expression") == {"record", "key"}
    assert referenced_paths(
        "{% for l in order.lines %}{{ l.sku }}{% endfor %}", mode="template"
    ) == {"order.lines"}


def test_referenced_names_raise_for_bad_sources():
    with pytest.raises(ExpressionError) as info:
        referenced_names("a +", mode="expression")
    assert info.value.kind == "syntax"
