import uuid
from collections import OrderedDict
from datetime import date, datetime
from decimal import Decimal

import pytest

from apps.expressions import evaluate_expression, make_context


def test_make_context_deep_converts():
    context = make_context(
        record=OrderedDict(
            price=1.1,
            lines=({"qty": 2.5}, [1, 2]),
            tags={"b", "a"},
            on=date(2025, 1, 1),
            at=datetime(2025, 1, 1, 8),
            id=uuid.UUID(int=1),
            ok=True,
            none=None,
        ),
        item={"price": Decimal("2")},
    )
    record = context["record"]
    assert type(record) is dict
    assert record["price"] == Decimal("1.1")
    assert record["lines"] == [{"qty": Decimal("2.5")}, [1, 2]]
    assert record["tags"] == ["a", "b"]
    assert record["id"] == "00000000-0000-0000-0000-000000000001"
    assert record["ok"] is True and record["none"] is None
    assert evaluate_expression("record.price * 3", context) == Decimal("3.3")


def test_make_context_copies_input():
    data = {"tags": ["a"]}
    context = make_context(record=data)
    context["record"]["tags"].append("b")
    assert data == {"tags": ["a"]}


class FakeModel:
    pk = 1


@pytest.mark.parametrize(
    "value",
    [FakeModel(), object(), len, {"nested": [FakeModel()]}, b"bytes", 1j, {1.5: "key"}],
)
def test_make_context_rejects_non_plain_values(value):
    with pytest.raises(TypeError):
        make_context(record=value)


def test_make_context_names_the_offending_path():
    with pytest.raises(TypeError, match=r"record\.lines\[1\]\.product"):
        make_context(record={"lines": [{}, {"product": FakeModel()}]})


def test_make_context_rejects_nan_and_deep_nesting():
    with pytest.raises(ValueError):
        make_context(x=float("nan"))
    deep = []
    for _ in range(100):
        deep = [deep]
    with pytest.raises(ValueError):
        make_context(x=deep)
