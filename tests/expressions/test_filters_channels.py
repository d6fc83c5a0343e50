"""Filters for sales channels: minor units, time zones, digests and encodings."""

from datetime import UTC, datetime
from decimal import Decimal

import pytest

from apps.expressions import ExpressionError, Limits, evaluate_expression


def ev(source, **context):
    return evaluate_expression(source, context)


def fails(source, kind, **context):
    with pytest.raises(ExpressionError) as info:
        ev(source, **context)
    assert info.value.kind == kind, info.value
    return info.value


# --- minor units ---


@pytest.mark.parametrize(("source", "expected"), [
    ("1999|fen_to_yuan", "19.99"),
    ("'1999'|fen_to_yuan", "19.99"),
    ("1900|fen_to_yuan", "19.00"),
    ("0|fen_to_yuan", "0.00"),
    ("5|fen_to_yuan", "0.05"),
    ("123456789012345678|fen_to_yuan", "1234567890123456.78"),
    ("1999|from_minor(3)", "1.999"),
    ("1999|from_minor(0)", "1999"),
])
def test_minor_units_become_exact_amounts(source, expected):
    result = ev(source)
    assert isinstance(result, Decimal)
    assert str(result) == expected


def test_a_float_amount_in_fen_stays_exact():
    assert str(ev("x|fen_to_yuan", x=1999.0)) == "19.990"
    assert ev("x|fen_to_yuan", x=1999.0) == Decimal("19.99")


@pytest.mark.parametrize(("source", "expected"), [
    ("'19.99'|yuan_to_fen", 1999),
    ("19.99|yuan_to_fen", 1999),
    ("(0.1 + 0.2)|yuan_to_fen", 30),
    ("(0.1 + 0.2)|yuan_to_fen == 30", True),
    ("'0.30'|yuan_to_fen", 30),
    ("7|yuan_to_fen", 700),
    ("'1.999'|to_minor(3)", 1999),
])
def test_amounts_become_whole_minor_units(source, expected):
    assert ev(source) == expected


def test_a_fraction_of_a_fen_is_refused():
    error = fails("'19.999'|yuan_to_fen", "runtime")
    assert "19.999" in str(error)
    fails("'abc'|fen_to_yuan", "type")
    fails("true|fen_to_yuan", "type")
    fails("1999|fen_to_yuan(9)", "type")


def test_undefined_passes_through_and_keeps_its_error():
    error = fails("order.missing|fen_to_yuan", "undefined", order={})
    assert "missing" in str(error)


# --- time zones ---


@pytest.mark.parametrize(("source", "expected"), [
    ("'2026-11-11 08:00:05'|to_utc('Asia/Shanghai')", "2026-11-11T00:00:05Z"),
    ("'2026-11-11 00:00:05'|to_utc('Asia/Shanghai')", "2026-11-10T16:00:05Z"),
    ("'2026-11-11T08:00:05'|to_utc('Asia/Shanghai')", "2026-11-11T00:00:05Z"),
    ("'2026-11-10T19:00:05-05:00'|to_utc", "2026-11-11T00:00:05Z"),
    ("'2026-11-11T00:00:05Z'|to_utc('Asia/Shanghai')", "2026-11-11T00:00:05Z"),
    ("'2026-11-11T16:05:41'|to_utc", "2026-11-11T16:05:41Z"),
    ("1794355205|to_utc", "2026-11-11T00:00:05Z"),
    ("'1794355205'|to_utc", "2026-11-11T00:00:05Z"),
    ("1794355205.25|to_utc", "2026-11-11T00:00:05.250000Z"),
    ("'2026-11-11'|to_utc('Asia/Shanghai')", "2026-11-10T16:00:00Z"),
    ("'2026-07-01 12:00:00'|to_utc('America/New_York')", "2026-07-01T16:00:00Z"),
    ("'2026-11-11 12:00:00'|to_utc('America/New_York')", "2026-11-11T17:00:00Z"),
])
def test_to_utc_reads_every_channels_times(source, expected):
    assert ev(source) == expected


def test_to_utc_of_a_datetime_and_of_nothing():
    assert ev("t|to_utc", t=datetime(2026, 11, 11, 8, 0, 5)) == "2026-11-11T08:00:05Z"
    assert ev("t|to_utc('Asia/Shanghai')", t=datetime(2026, 11, 11, 8, 0, 5)) == "2026-11-11T00:00:05Z"
    assert ev("none|to_utc") is None
    assert ev("''|to_utc('Asia/Shanghai')") is None


@pytest.mark.parametrize("zone", ["Mars/Olympus", "../../../etc/passwd", "/etc/localtime", "", "Asia/" + "x" * 80])
def test_unknown_or_unsafe_zones_are_refused(zone):
    error = fails("'2026-11-11 08:00:05'|to_utc(zone)", "type", zone=zone)
    assert "unknown time zone" in str(error)


def test_unreadable_times_are_refused():
    fails("'11/11/2026'|to_utc", "type")
    fails("true|to_utc", "type")
    fails("[1]|to_utc", "type")
    fails("99999999999999|to_utc", "runtime")
    fails("-5|to_utc", "runtime")


def test_in_timezone_and_unix():
    assert ev("'2026-11-11T00:00:05Z'|in_timezone('Asia/Shanghai')|format_date('%Y-%m-%d %H:%M:%S')") == \
        "2026-11-11 08:00:05"
    assert ev("now|in_timezone('Asia/Shanghai')|format_date('%H:%M')",
              now=datetime(2026, 11, 11, 0, 0, 5, tzinfo=UTC)) == "08:00"
    assert ev("'2026-11-11T00:00:05Z'|unix") == 1794355205
    assert ev("'2026-11-11 08:00:05'|unix('Asia/Shanghai')") == 1794355205
    assert ev("1794355205|to_utc|unix") == 1794355205


# --- digests and encodings ---


def test_digests_match_known_vectors():
    assert ev("'abc'|md5") == "900150983cd24fb0d6963f7d28e17f72"
    assert ev("'abc'|md5|upper") == "900150983CD24FB0D6963F7D28E17F72"
    assert ev("'abc'|sha256") == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    # RFC 4231, test case 2
    assert ev("'what do ya want for nothing?'|hmac('Jefe')") == \
        "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843"
    assert ev("'what do ya want for nothing?'|hmac('Jefe', 'md5')") == "750c783e6ab0b503eaa86e310a5db738"
    fails("'x'|hmac('k', 'crc32')", "type")
    fails("'x'|hmac(5)", "type")


def test_compact_json_is_sorted_exact_and_unescaped():
    value = {"stock_num": 12, "code": "袜子-01", "price": Decimal("19.90"), "incremental": False, "tags": [None, 1.5]}
    assert ev("v|compact_json", v=value) == \
        '{"code":"袜子-01","incremental":false,"price":19.90,"stock_num":12,"tags":[null,1.5]}'
    assert ev("{'b': 1, 'a': 2}|compact_json(false)") == '{"b":1,"a":2}'


def test_compact_json_is_bounded():
    limits = Limits(max_output_chars=100)
    with pytest.raises(ExpressionError) as info:
        evaluate_expression("['x' * 40, 'y' * 40, 'z' * 40]|compact_json", {}, limits=limits)
    assert info.value.kind == "limit"


def test_b64encode():
    assert ev("('ck_1' ~ ':' ~ 'cs_2')|b64encode") == "Y2tfMTpjc18y"
    assert ev("'抖店'|b64encode") == "5oqW5bqX"
