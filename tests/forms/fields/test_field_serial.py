"""serial: patterned, gap-free per form and period, unique under concurrent creates."""

import dataclasses
from datetime import UTC, datetime

import pytest
from django.db import transaction

from apps.forms.fields import WriteContext, field_types
from apps.forms.fields.serial import default_reset
from apps.forms.models import Form, Record, SerialSequence
from apps.forms.validation import validate_data
from tests.support.threads import together

SO = {"key": "no", "type": "serial", "pattern": "SO-{yyyyMMdd}-{seq:4}"}
MAY_1_NOON = datetime(2024, 5, 1, 4, 0, tzinfo=UTC)  # 12:00 in Shanghai


def number(field, ctx, now=MAY_1_NOON):
    return field_types.get("serial").compute({}, field, dataclasses.replace(ctx, now=now))


def test_numbers_follow_the_pattern_and_restart_each_day(ctx):
    assert [number(SO, ctx) for _ in range(3)] == [
        "SO-20240501-0001",
        "SO-20240501-0002",
        "SO-20240501-0003",
    ]
    late_evening_utc = datetime(2024, 5, 1, 16, 30, tzinfo=UTC)  # 00:30 on 2 May in Shanghai
    assert number(SO, ctx, late_evening_utc) == "SO-20240502-0001"
    assert number(SO, ctx) == "SO-20240501-0004"


@pytest.mark.parametrize(
    ("pattern", "reset", "first", "next_period"),
    [
        ("{yyyy}{MM}-{seq:3}", None, "202405-001", "202406-001"),
        ("INV{yy}-{seq:5}", None, "INV24-00001", "INV24-00002"),
        ("{seq}", None, "1", "2"),
        ("R-{yyyyMM}-{seq:2}", "never", "R-202405-01", "R-202406-02"),
    ],
)
def test_periods(ctx, pattern, reset, first, next_period):
    field = {
        "key": "no",
        "type": "serial",
        "pattern": pattern,
        **({"reset": reset} if reset else {}),
    }
    assert number(field, ctx) == first
    assert number(field, ctx, datetime(2024, 6, 2, 4, 0, tzinfo=UTC)) == next_period


def test_default_reset_follows_the_pattern():
    assert default_reset("SO-{yyyyMMdd}-{seq:4}") == "daily"
    assert default_reset("{yyyy}{MM}{seq}") == "monthly"
    assert default_reset("{yy}{seq}") == "yearly"
    assert default_reset("X{seq:6}") == "never"


def test_sequences_are_per_form_and_field(ctx, another_form):
    other = dataclasses.replace(ctx, form=another_form("invoices"))
    assert number(SO, ctx) == number(SO, other) == "SO-20240501-0001"
    assert number({**SO, "key": "other_no"}, ctx) == "SO-20240501-0001"
    assert SerialSequence.objects.filter(scope="20240501").count() == 3


def test_assigned_on_create_only(ctx):
    data = validate_data(
        [{"key": "title", "type": "text"}, SO],
        {"title": "a"},
        dataclasses.replace(ctx, now=MAY_1_NOON),
    )
    assert data["no"] == "SO-20240501-0001"
    update = dataclasses.replace(ctx, creating=False)
    kept = validate_data(
        [{"key": "title", "type": "text"}, SO], {"title": "b", "no": "X"}, update, existing=data
    )
    assert kept["no"] == "SO-20240501-0001"


def test_a_rolled_back_create_gives_its_number_back(ctx):
    with pytest.raises(RuntimeError), transaction.atomic():
        assert number(SO, ctx) == "SO-20240501-0001"
        raise RuntimeError("the record could not be saved")
    assert number(SO, ctx) == "SO-20240501-0001"


def test_definition(definition_errors):
    assert definition_errors([{**SO, "reset": "daily"}]) == {}
    assert definition_errors([{"key": "no", "type": "serial"}]) == {}

    def errors(pattern, **extra):
        return definition_errors(
            [{"key": "no", "type": "serial", "pattern": pattern, **extra}]
        ).get("fields[0].pattern")

    assert errors("SO-{date}-{seq:4}") == [
        "'{date}' is not a known part; use {yyyy}, {yy}, {MM}, {dd}, {yyyyMMdd}, {yyyyMM} or {seq:N}"
    ]
    assert errors("SO-{yyyy}") == [
        "must contain {seq:N} exactly once (N = minimum number of digits)"
    ]
    assert errors("{seq}-{seq:2}") == [
        "must contain {seq:N} exactly once (N = minimum number of digits)"
    ]
    assert errors("SO-{seq:4}}") == ["has an unmatched brace"]
    assert errors("{MM}{dd}-{seq}") == [
        "numbers restart daily, so the pattern must contain {yyyyMMdd} or numbers would repeat"
    ]
    assert errors("{yyyyMM}-{seq}", reset="daily") == [
        "numbers restart daily, so the pattern must contain {yyyyMMdd} or numbers would repeat"
    ]
    assert definition_errors([{**SO, "reset": "hourly"}]) == {
        "fields[0].reset": ["must be one of: daily, monthly, yearly, never"]
    }


def test_normalize_refuses_input(error):
    assert error("serial", "SO-1") == {"": ["is assigned automatically"]}


@pytest.mark.django_db(transaction=True)
def test_concurrent_creates_get_unique_gap_free_numbers(make):
    workspace = make.workspace()
    definition = {"key": "orders", "name": "Orders", "fields": [SO]}
    form = Form.objects.create(
        workspace=workspace, key="orders", name="Orders", definition=definition, version=1
    )
    threads_count, per_thread = 6, 5

    def create_records():
        for _ in range(per_thread):
            with transaction.atomic():
                ctx = WriteContext(workspace=workspace, form=form, now=MAY_1_NOON)
                data = validate_data(definition["fields"], {}, ctx)
                Record.objects.create(workspace=workspace, form=form, form_version=1, data=data)

    together(threads_count, create_records, timeout=120, start_timeout=30)
    numbers = sorted(Record.objects.filter(form=form).values_list("data__no", flat=True))
    total = threads_count * per_thread
    assert numbers == [f"SO-20240501-{n:04d}" for n in range(1, total + 1)]
    assert SerialSequence.objects.get(form=form, field="no", scope="20240501").last == total
