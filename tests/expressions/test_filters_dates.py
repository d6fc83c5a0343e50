from datetime import UTC, date, datetime, timedelta, timezone

import pytest

from apps.expressions import ExpressionError, evaluate_expression


def ev(source, **context):
    return evaluate_expression(source, context)


def test_date_and_datetime_parse_iso_text():
    assert ev("'2025-03-01'|date") == date(2025, 3, 1)
    assert ev("'2025-03-01T10:30:00'|date") == date(2025, 3, 1)
    assert ev("'2025-03-01'|datetime") == datetime(2025, 3, 1)
    assert ev("'2025-03-01T10:30:00Z'|datetime") == datetime(2025, 3, 1, 10, 30, tzinfo=UTC)
    assert ev("d|date", d=datetime(2025, 3, 1, 8)) == date(2025, 3, 1)
    assert ev("d|datetime", d=date(2025, 3, 1)) == datetime(2025, 3, 1)


def test_bad_dates_are_type_errors():
    for source in ("'yesterday'|date", "42|date", "'2025-13-01'|date"):
        with pytest.raises(ExpressionError) as info:
            ev(source)
        assert info.value.kind == "type", source


def test_format_date():
    d = datetime(2025, 3, 1, 14, 5, 9)
    assert ev("d|format_date", d=d) == "2025-03-01"
    assert ev("d|format_date('%d/%m/%Y %H:%M:%S')", d=d) == "01/03/2025 14:05:09"
    assert ev("d|format_date('%a %b %y, %I %p, day %j')", d=d) == "Sat Mar 25, 02 PM, day 060"
    assert ev("'2025-03-01'|format_date('%Y%%')") == "2025%"


@pytest.mark.parametrize("fmt", ["%s", "%c", "%x", "%Q", "%", "%E"])
def test_format_date_rejects_other_directives(fmt):
    with pytest.raises(ExpressionError) as info:
        ev("d|format_date(fmt)", d=date(2025, 1, 1), fmt=fmt)
    assert info.value.kind == "type"


@pytest.mark.parametrize("fmt", ["%010000d", "%-d", "%_5Y", "%^a", "%#x"])
def test_format_date_rejects_flags_and_widths(fmt):
    with pytest.raises(ExpressionError) as info:
        ev("d|format_date(fmt)", d=date(2025, 1, 1), fmt=fmt)
    assert info.value.kind == "security"


def test_add_days_and_hours():
    assert ev("'2025-01-31'|add_days(1)") == date(2025, 2, 1)
    assert ev("d|add_days(-1)", d=date(2025, 3, 1)) == date(2025, 2, 28)
    assert ev("d|add_days(2)", d=datetime(2025, 3, 1, 9)) == datetime(2025, 3, 3, 9)
    assert ev("d|add_hours(1.5)", d=datetime(2025, 3, 1, 9)) == datetime(2025, 3, 1, 10, 30)
    assert ev("d|add_hours(-24)", d=date(2025, 3, 1)) == datetime(2025, 2, 28)
    with pytest.raises(ExpressionError) as info:
        ev("d|add_days(1.5)", d=date(2025, 3, 1))
    assert info.value.kind == "type"
    with pytest.raises(ExpressionError) as info:
        ev("d|add_days(3000000)", d=date(9999, 1, 1))
    assert info.value.kind == "runtime"


def test_days_between_and_start_of_day():
    assert ev("'2025-01-01'|days_between('2025-03-01')") == 59
    assert ev("b|days_between(a)", a=date(2025, 1, 1), b=date(2025, 1, 11)) == -10
    aware = datetime(2025, 3, 1, 17, 45, tzinfo=timezone(timedelta(hours=8)))
    assert ev("d|start_of_day", d=aware) == datetime(
        2025, 3, 1, tzinfo=timezone(timedelta(hours=8))
    )
    assert ev("'2025-03-01'|start_of_day") == datetime(2025, 3, 1)


def test_now_and_today_supplied_by_the_caller():
    now = datetime(2025, 3, 1, 12)
    assert ev("(now|add_hours(36))|date == today|add_days(2)", now=now, today=now.date()) is True
    assert ev("(now|add_hours(35))|date == today|add_days(1)", now=now, today=now.date()) is True
    assert ev("today|days_between(due) > 3", today=date(2025, 3, 1), due="2025-03-10") is True
