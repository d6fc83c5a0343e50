"""Known sandbox escapes and resource bombs: each must fail cleanly and cheaply.

Sources are collected from Jinja2 sandbox advisories, SSTI cheat sheets and
resource-exhaustion tricks; every one must raise ExpressionError of a kind a
caller can show to a user, and the worker must stay healthy afterwards.
"""

import resource
from datetime import date
from decimal import Decimal

import pytest

from apps.expressions import (
    ExpressionError,
    evaluate_condition,
    evaluate_expression,
    evaluate_value,
    render_template,
)

ALLOWED_KINDS = {"security", "limit", "timeout", "syntax", "undefined"}

CONTEXT = {
    "x": "abc",
    "n": 5,
    "d": date(2025, 1, 1),
    "lines": [{"sku": "A", "price": Decimal("1.50")}],
    "record": {"items": [1, 2], "name": "Ada"},
}

E, V, C, T = "expression", "value", "condition", "template"

CORPUS = [
    # Python internals via attributes
    (E, "''.__class__.__mro__[1].__subclasses__()"),
    (E, "().__class__.__bases__[0]"),
    (E, "x.__class__.__base__.__subclasses__()"),
    (E, "x.__init__.__globals__"),
    (E, "x.__init__.__globals__['__builtins__']['__import__']('os')"),
    (E, "record.__class__"),
    (E, "record['__class__']"),
    (E, "record['_' ~ '_class__']"),
    (E, "x['__class__']"),
    (E, "lines[0].__dict__"),
    (E, "d.__reduce_ex__(2)"),
    (E, "n.__sizeof__()"),
    (E, "range.__class__"),
    (E, "range.__globals__"),
    (E, "range.func_globals"),
    (E, "min.__self__"),
    (E, "decimal.__module__"),
    (E, "[].pop.__self__"),
    (E, "[].pop"),
    (E, "record.items.append(3)"),
    (E, "record.clear()"),
    (E, "record.update({'a': 1})"),
    (E, "d.fromisoformat"),
    (E, "d.strftime('%s')"),
    # str.format and friends
    (E, "'{0.__class__}'.format(x)"),
    (E, "'{}'.format_map(record)"),
    (E, "'{0.__init__.__globals__}'.format(x)"),
    (E, "'%s' % x"),
    (E, "'%(a)s' % record"),
    (E, "'%999999999d' % 1"),
    (E, "'%s'|format(x)"),
    (E, "'{}'|format(x)"),
    # Jinja globals and template internals
    (E, "cycler.__init__.__globals__.os"),
    (E, "joiner.__init__.__globals__"),
    (E, "lipsum.__globals__['os']"),
    (E, "namespace.__init__.__globals__"),
    (E, "namespace(a=1)"),
    (E, "self._TemplateReference__context"),
    (E, "self.__init__.__globals__"),
    (E, "request.application.__globals__"),
    (E, "config.items()"),
    (E, "config.__class__.from_envvar"),
    (E, "url_for.__globals__"),
    (E, "get_flashed_messages.__globals__"),
    (E, "dict(a=1)"),
    (E, "environment"),
    (E, "context"),
    (E, "range(3)|attr('__class__')"),
    (E, "()|attr('__class__')"),
    (E, "x|attr('format')"),
    (E, "record|xmlattr"),
    (E, "x|pprint"),
    (E, "x|tojson"),
    (E, "x|random"),
    (E, "lines|map('attr', '__class__')|list"),
    (E, "lines|map(attribute='__class__')|list"),
    (E, "lines|sum(attribute='__class__')"),
    (E, "lines|selectattr('__class__')|list"),
    (E, "lines|sort(attribute='__class__.__name__')"),
    (E, "lines|group_by('__class__')"),
    (E, "(lines|selectattr('sku')).gi_frame.f_back"),
    (E, "(lines|selectattr('sku')).gi_code"),
    (E, "loop.__class__"),
    (E, "f(*record)"),
    (E, "range(**record)"),
    (E, "range(3, _loop_vars=1)"),
    (V, "{{ ''.__class__ }}"),
    (V, "{{ x.__class__.__mro__ }}"),
    (C, "x.__class__"),
    (C, "x.center(10**9)"),
    (T, "{{ self }}"),
    (T, "{% include '/etc/passwd' %}"),
    (T, "{% extends 'base.html' %}"),
    (T, "{% import 'os' as os %}"),
    (T, "{% from 'x' import y %}"),
    (T, "{% macro m() %}{{ m() }}{% endmacro %}{{ m() }}"),
    (T, "{% call lipsum() %}{% endcall %}"),
    (T, "{% set ns = namespace(a=1) %}{% set ns.a = 2 %}"),
    (T, "{% for x in [1] recursive %}{{ loop([1]) }}{% endfor %}"),
    (T, "{% set x %}{{ 1 }}{% endset %}"),
    (T, "{% block a %}{% endblock %}"),
    (T, "{% with a = 1 %}{% endwith %}"),
    (T, "{% filter upper %}a{% endfilter %}"),
    (T, "{% autoescape false %}a{% endautoescape %}"),
    (T, "{% raw %}{% endraw %}{{ x.__class__ }}"),
    # arithmetic bombs
    (E, "'x' * 10**9"),
    (E, "10**9 * 'x'"),
    (E, "[1] * 10**9"),
    (E, "(1,) * 10**9"),
    (E, "10 ** 10 ** 10"),
    (E, "9 ** 999999"),
    (E, "(2 ** 64) ** 64"),
    (E, "(-7) ** 99999"),
    (E, "99999999999999999999999999999999999999999999999999 ** 3"),
    (
        E,
        "12345678901234567890123456789012345678901234567890 * 12345678901234567890123456789012345678901234567890 * 123",
    ),
    (E, "('x' * 10**4) * 10**4"),
    (E, "'x' * 10000 + 'x' * 10000"),
    (E, "'a' ~ 'a' * 10000 ~ 'a' * 10000"),
    (E, "range(10**9)"),
    (E, "range(10**6)|list"),
    (E, "range(0, 10**12, 2)"),
    (E, "range(10**9)|length"),
    (E, "decimal('1e999999')|int"),
    (E, "decimal('1e999999') * decimal('1e999999')"),
    # filter and method bombs
    (E, "'a'|center(10**9)"),
    (E, "'a'|indent(10**9)"),
    (E, "'a b'|wordwrap(10**9)"),
    (E, "'a b'|truncate(10**9)"),
    (E, "'a'|pad_left(10**9)"),
    (E, "'x'|replace('', 'y' * 5000)"),
    (E, "('x' * 5000)|replace('x', 'xxx')"),
    (E, "range(10)|batch(10**9, 'x')|list"),
    (E, "range(10)|slice(10**9)|list"),
    (E, "' '.join(['x'] * 10000)"),
    (E, "'x'.center(10**9)"),
    (E, "'x'.ljust(10**9)"),
    (E, "'x'.zfill(10**9)"),
    (E, "'\t'.expandtabs(10**9)"),
    (E, "'x'.encode()"),
    (E, "(['x' * 10000] * 10000)|join"),
    (E, "(['x' * 10000] * 10000)|join(', ')"),
    (E, "(['x' * 10000] * 10000)|string"),
    (E, "(['x' * 10000] * 10000)|json"),
    (E, "(['x' * 10000] * 10000)|map('upper')|join"),
    (E, "'x'|format_date('%09999999Y')"),
    (E, "d|format_date('%-99999999d')"),
    (V, "{{ ['x' * 10000] * 10000 }}"),
    (E, "[['x' * 10000] * 100] * 100"),
    (E, "[('x' * 10000)] * 1000"),
    (V, "a{{ ['x' * 10000] * 10000 }}"),
    # loop, output and structure bombs
    (T, "{% for i in range(10000) %}{% for j in range(10000) %}{{ j }}{% endfor %}{% endfor %}"),
    (T, "{% for i in range(10000) %}{% for j in range(10000) %}{% endfor %}{% endfor %}"),
    (T, "{% for i in range(10000) %}{{ 'x' * 10000 }}{% endfor %}"),
    (
        T,
        "{% for a in range(10000) %}{% for b in range(10000) %}{% for c in range(10000) %}.{% endfor %}{% endfor %}{% endfor %}",
    ),
    (T, "{% for i in range(100000) %}.{% endfor %}"),
    (T, "{% for i in range(10000) %}{% set s = 'x' * 10000 %}{{ s ~ s }}{% endfor %}"),
    (T, "{% set s = 'x' * 10000 %}{% for i in range(30) %}{% set s = s ~ s %}{% endfor %}{{ s }}"),
    (T, "{% set a = ['x' * 10000] %}" + "{% set a = [a, a] %}" * 30 + "{{ a }}"),
    (
        T,
        "{% set a = [1] %}"
        + "{% set a = [a, a] %}" * 40
        + "{% set b = [1] %}"
        + "{% set b = [b, b] %}" * 40
        + "{{ a == b }}",
    ),
    (T, "{% set a = (1,) %}" + "{% set a = (a, a) %}" * 40 + "{{ {a: 1} }}"),
    (T, "{% set a = {} %}" + "{% set a = {'k': a, 'j': a} %}" * 40 + "{{ a|json }}"),
    (T, "{% for i in range(5000) %}{{ range(10000)|sort|sum }}{% endfor %}"),
    (E, "(" * 2000 + "1" + ")" * 2000),
    (E, "[" * 2000 + "]" * 2000),
    (E, "1" * 5000),
]


def _run(mode, source):
    if mode == E:
        return evaluate_expression(source, CONTEXT)
    if mode == V:
        return evaluate_value(source, CONTEXT)
    if mode == C:
        return evaluate_condition(source, CONTEXT)
    return render_template(source, CONTEXT)


def _id(case):
    mode, source = case
    return f"{mode[0]}:{source[:60]}"


def test_corpus_is_large_enough():
    assert len(CORPUS) >= 30


@pytest.mark.parametrize("case", CORPUS, ids=[_id(c) for c in CORPUS])
def test_attack_is_refused(case):
    mode, source = case
    with pytest.raises(ExpressionError) as info:
        _run(mode, source)
    error = info.value
    assert error.kind in ALLOWED_KINDS, (error.kind, error.message)
    assert error.message
    assert error.expression == source
    assert str(error).startswith("Expression `")


def test_worker_stays_healthy_after_the_corpus():
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    for _ in range(3):
        for mode, source in CORPUS:
            with pytest.raises(ExpressionError):
                _run(mode, source)
    after = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    assert (after - before) < 200 * 1024, f"max RSS grew by {(after - before) // 1024} MB"
    assert evaluate_expression("lines|sum('price') * 2", CONTEXT) == Decimal("3.00")
    assert evaluate_condition("record.name == 'Ada'", CONTEXT) is True
    assert render_template("{% for i in range(3) %}{{ i }}{% endfor %}", {}) == "012"
