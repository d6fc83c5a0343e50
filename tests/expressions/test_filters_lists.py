from decimal import Decimal

import pytest

from apps.expressions import ExpressionError, Limits, evaluate_expression, evaluate_value

LINES = [
    {"sku": "MUG", "qty": 2, "price": Decimal("9.99"), "wh": "north", "meta": {"w": 3}},
    {"sku": "TEE", "qty": 1, "price": Decimal("19.50"), "wh": "south", "meta": {"w": 1}},
    {"sku": "CAP", "qty": 5, "price": Decimal("4.25"), "wh": "north", "meta": {"w": 2}},
]


def ev(source, limits=None, **context):
    context.setdefault("lines", LINES)
    return evaluate_expression(source, context, limits=limits)


def test_sum_is_decimal_exact():
    assert ev("lines|sum('price')") == Decimal("33.74")
    assert ev("lines|sum(attribute='qty')") == 8
    assert ev("[0.1, 0.2]|sum") == Decimal("0.3")
    assert ev("xs|sum", xs=[0.1, 0.2, 0.3]) == Decimal("0.6")
    assert ev("lines|sum('meta.w')") == 6
    assert ev("[]|sum") == 0
    assert ev("[1, 2]|sum(start=10)") == 13
    with pytest.raises(ExpressionError) as info:
        ev("['a', 1]|sum")
    assert info.value.kind == "type"


def test_line_totals():
    source = "lines|map(attribute='price')|list"
    assert ev(source) == [Decimal("9.99"), Decimal("19.50"), Decimal("4.25")]
    total = evaluate_value("{{ lines|sum('price') * 1.2|money }}", {"lines": LINES})
    assert total == Decimal("33.74") * Decimal("1.20")


def test_map():
    assert ev("lines|map(attribute='sku')") == ["MUG", "TEE", "CAP"]
    assert ev("['a', 'b']|map('upper')") == ["A", "B"]
    assert ev("[1.234, 2]|map('money', 1)") == [Decimal("1.2"), Decimal("2.0")]
    assert ev("lines|map(attribute='gift', default='-')") == ["-", "-", "-"]
    with pytest.raises(ExpressionError) as info:
        ev("lines|map('nope')")
    assert info.value.kind == "syntax"


def test_select_and_where():
    assert ev("lines|select('qty', '>', 1)|map(attribute='sku')") == ["MUG", "CAP"]
    assert ev("lines|select('sku', 'in', ['TEE', 'CAP'])|length") == 2
    assert ev("lines|select('sku', 'contains', 'U')|length") == 1
    assert ev("lines|where('wh', 'north')|map(attribute='sku')") == ["MUG", "CAP"]
    assert ev("[0, 1, '', 'a']|select") == [1, "a"]
    with pytest.raises(ExpressionError) as info:
        ev("lines|select('qty', '~=', 1)")
    assert info.value.kind == "type"


def test_first_last_length_count():
    assert ev("lines|first") == LINES[0]
    assert ev("lines|last") == LINES[-1]
    assert ev("'abc'|first") == "a"
    assert ev("lines|length") == 3
    assert ev("lines|count") == 3
    assert ev("'abc'|length") == 3
    assert ev("{'a': 1}|length") == 1
    with pytest.raises(ExpressionError) as info:
        ev("[]|first")
    assert info.value.kind == "undefined"


def test_unique_sort_reverse():
    assert ev("[3, 1, 3, 2, 1]|unique") == [3, 1, 2]
    assert ev("lines|unique('wh')|map(attribute='sku')") == ["MUG", "TEE"]
    assert ev("[[1], [1], {'a': 1}, {'a': 1}]|unique") == [[1], {"a": 1}]
    assert ev("[3, 1, 2]|sort") == [1, 2, 3]
    assert ev("['b', 'A', 'c']|sort") == ["A", "b", "c"]
    assert ev("['b', 'A', 'c']|sort(case_sensitive=true)") == ["A", "b", "c"]
    assert ev("lines|sort('price', reverse=true)|map(attribute='sku')") == ["TEE", "MUG", "CAP"]
    assert ev("[2, none, 1]|sort") == [None, 1, 2]
    assert ev("[1, 2, 3]|reverse") == [3, 2, 1]
    assert ev("'abc'|reverse") == "cba"
    with pytest.raises(ExpressionError) as info:
        ev("[1, 'a']|sort")
    assert info.value.kind == "type"


def test_join():
    assert ev("lines|join(', ', attribute='sku')") == "MUG, TEE, CAP"
    assert ev("[1, 2.50, none]|join('-')") == "1-2.50-"
    assert ev("'abc'|join('.')") == "a.b.c"
    limits = Limits(max_sequence_len=10)
    assert ev("['aaaa', 'bbbb']|join('--')", limits=limits) == "aaaa--bbbb"
    with pytest.raises(ExpressionError) as info:
        ev("['aaaa', 'bbbb']|join('---')", limits=limits)
    assert info.value.kind == "limit"


def test_group_by_and_pluck():
    groups = ev("lines|group_by('wh')")
    assert list(groups) == ["north", "south"]
    assert [line["sku"] for line in groups["north"]] == ["MUG", "CAP"]
    assert ev("(lines|group_by('wh'))['south']|sum('price')") == Decimal("19.50")
    assert ev("rows|pluck('a')", rows=[{"a": 1}, {"b": 2}, {"a": 3}]) == [1, 3]
    with pytest.raises(ExpressionError) as info:
        ev("rows|group_by('a')", rows=[{"a": [1]}])
    assert info.value.kind == "type"


def test_list_and_jinja_builtins():
    assert ev("'ab'|list") == ["a", "b"]
    assert ev("range(3)|list") == [0, 1, 2]
    assert ev("{'b': 1, 'a': 2}|dictsort") == [["a", 2], ["b", 1]]
    assert ev("{'a': 1}|items") == [["a", 1]]
    assert ev("lines|min(attribute='price')") == LINES[2]
    assert ev("[3, 1]|max") == 3
    assert ev("lines|selectattr('qty', 'gt', 1)|map(attribute='sku')") == ["MUG", "CAP"]
    assert ev("lines|rejectattr('wh', 'eq', 'north')|map(attribute='sku')") == ["TEE"]
    assert ev("range(6)|reject('odd')") == [0, 2, 4]


def test_list_filters_need_lists():
    with pytest.raises(ExpressionError) as info:
        ev("'abc'|sum")
    assert info.value.kind == "type"
    assert "expected a list" in info.value.message


def test_project_reshapes_line_items_into_table_columns():
    from apps.expressions import evaluate_value

    items = [{"sku": "A", "quantity": 2, "price": "9.90", "title": "杯"}, {"sku": "B", "quantity": 1}]
    rows = evaluate_value("{{ items | project({'sku': 'sku', 'qty': 'quantity', 'price': 'price'}) }}",
                          {"items": items})
    assert rows == [{"sku": "A", "qty": 2, "price": "9.90"}, {"sku": "B", "qty": 1}]


def test_project_refuses_what_is_not_a_list_of_objects():
    import pytest

    from apps.expressions import ExpressionError, evaluate_value

    with pytest.raises(ExpressionError):
        evaluate_value("{{ [1, 2] | project({'a': 'b'}) }}", {})
    with pytest.raises(ExpressionError):
        evaluate_value("{{ [{'a': 1}] | project(['a']) }}", {})
