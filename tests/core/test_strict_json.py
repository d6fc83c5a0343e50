"""The strict JSON reader: what it refuses, where it says the problem is, and what it reads as ``json`` does."""

from __future__ import annotations

from decimal import Decimal

import pytest

from apps.core.strict_json import MAX_DEPTH, StrictJSONError, loads, safe_text, storable, unstorable
from apps.forms.fields.decimal import to_decimal


def refusal(raw: bytes | str) -> StrictJSONError:
    with pytest.raises(StrictJSONError) as refused:
        loads(raw)
    return refused.value


def test_ordinary_json_reads_as_json_does_and_money_keeps_every_digit():
    value = loads('{"total": 19.99, "qty": 3, "name": "蓝色T恤 😀", "ok": true, "none": null}'.encode())
    assert value == {"total": 19.99, "qty": 3, "name": "蓝色T恤 😀", "ok": True, "none": None}
    assert to_decimal(value["total"]) == Decimal("19.99")
    assert loads(b'["\\ud83d\\ude00", "\\\\u0000"]') == ["😀", "\\u0000"]  # a pair is a character; \\ is text


@pytest.mark.parametrize(("raw", "path"), [
    (b'{"a": "x\\u0000"}', "a"),
    (b'{"lines": [{"sku": "\\uDFFF"}]}', "lines[0].sku"),
    (b'{"a": {"b\\u0000c": 1}}', "a.b\\u0000c"),
    (b'["ok", "\\ud800 and more"]', "[1]"),
])
def test_text_no_database_stores_is_refused_at_its_path(raw, path):
    error = refusal(raw)
    assert (error.code, error.path) == ("unstorable_text", path)
    assert "\x00" not in str(error)


@pytest.mark.parametrize("raw", [b"NaN", b"[Infinity]", b'{"a": -Infinity}', b"1e999999", b"-1e400",
                                 b"1" * 101, b"0." + b"1" * 100])
def test_numbers_json_does_not_have_are_refused(raw):
    assert refusal(raw).code == "json_bad_number"


def test_nesting_is_limited_and_never_overflows_the_stack():
    assert loads(b"[" * MAX_DEPTH + b"]" * MAX_DEPTH)
    assert loads(b'[{"a": "[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[["}]')
    for depth in (MAX_DEPTH + 1, 900, 100_000):
        assert refusal(b"[" * depth + b"]" * depth).code == "json_too_deep"
        assert refusal(b'{"a": ' * depth + b"1" + b"}" * depth).code == "json_too_deep"


@pytest.mark.parametrize("raw", [b'{"a": "\xe5\x95"}', b"\xff{}", b'{"a": 1', b'{"a": "\x00"}', b""])
def test_what_is_not_utf8_json_is_malformed(raw):
    assert refusal(raw).code == "malformed_json"


def test_evidence_is_made_storable_and_the_walk_finds_keys_too():
    assert storable({"h\x00": ["a\ud800", 1]}) == {"h\ufffd": ["a\ufffd", 1]}
    assert safe_text("a\x00b") == "a\\u0000b"
    assert unstorable({"rows": [{"k": "fine"}, {"k\x00": 1}]})[0] == "rows[1].k\\u0000"
    assert unstorable({"rows": [{"k": "fine"}]}) is None
