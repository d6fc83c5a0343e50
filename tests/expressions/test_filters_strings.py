import pytest

from apps.expressions import ExpressionError, Limits, evaluate_expression


def ev(source, limits=None, **context):
    return evaluate_expression(source, context, limits=limits)


@pytest.mark.parametrize(
    ("source", "expected"),
    [
        ("'Ada'|upper", "ADA"),
        ("'Ada'|lower", "ada"),
        ("'ada lovelace'|title", "Ada Lovelace"),
        ("'ada'|capitalize", "Ada"),
        ("'  x  '|trim", "x"),
        ("'--x--'|trim('-')", "x"),
        ("42|upper", "42"),
        ("'a-b-c'|replace('-', '+')", "a+b+c"),
        ("'a-b-c'|replace('-', '', 1)", "ab-c"),
        ("'hello big world'|truncate(9)", "hello..."),
        ("'hello big world'|truncate(9, '…', true)", "hello bi…"),
        ("'short'|truncate(10)", "short"),
        ("'abcdef'|truncate(2)", "ab"),
        ("7|pad_left(3, '0')", "007"),
        ("'abcd'|pad_left(2)", "abcd"),
        ("'a, b,c'|split(',')", ["a", " b", "c"]),
        ("'a b  c'|split", ["a", "b", "c"]),
        ("'a,b,c'|split(',', 1)", ["a", "b,c"]),
        ("'order-123'|contains('123')", True),
        ("['a', 'b']|contains('b')", True),
        ("'<b>x</b>'|escape", "&lt;b&gt;x&lt;/b&gt;"),
        ("'<b>x</b>'|e", "&lt;b&gt;x&lt;/b&gt;"),
        ("'<b>x</b> y'|striptags", "x y"),
        ("'one two three'|wordcount", 3),
        ("12.50|string", "12.50"),
        ("[1, 'a']|string", '[1, "a"]'),
        ("'a b&c'|urlencode", "a%20b%26c"),
        ("{'q': 'a b', 'n': 1}|urlencode", "q=a%20b&n=1"),
    ],
)
def test_string_filters(source, expected):
    assert ev(source) == expected


def test_replace_checks_the_result_size_first():
    limits = Limits(max_sequence_len=20)
    assert ev("'aaaa'|replace('a', 'bbbbb')", limits=limits) == "b" * 20
    with pytest.raises(ExpressionError) as info:
        ev("'aaaaa'|replace('a', 'bbbbb')", limits=limits)
    assert info.value.kind == "limit"


def test_pad_left_and_truncate_bounds():
    with pytest.raises(ExpressionError) as info:
        ev("'x'|pad_left(10001)")
    assert info.value.kind == "limit"
    with pytest.raises(ExpressionError) as info:
        ev("'x'|pad_left(3, 'ab')")
    assert info.value.kind == "type"


def test_split_rejects_an_empty_separator():
    with pytest.raises(ExpressionError) as info:
        ev("'abc'|split('')")
    assert info.value.kind == "type"
