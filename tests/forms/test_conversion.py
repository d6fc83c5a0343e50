"""One Decimal rule for every door that shows a record: the API, a run (steps and output), the CSV export."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest

from apps.flows.engine import runner
from apps.flows.models import RunStatus, StepRun
from apps.flows.services import start_manual_run
from apps.forms.conversion import decimal_text, json_value

NUMBERS = [
    (Decimal("100"), "100"),
    (Decimal("1E+2"), "100"),
    (Decimal("0.10"), "0.10"),
    (Decimal("100.00"), "100.00"),
    (Decimal("-0"), "0"),
    (Decimal("-0.00"), "0.00"),
    (Decimal("-12.5"), "-12.5"),
    (Decimal("1E-7"), "0.0000001"),
]


@pytest.mark.parametrize(("number", "text"), NUMBERS)
def test_a_decimal_is_fixed_point_text_in_its_own_scale_and_zero_has_no_sign(number, text):
    assert decimal_text(number) == text
    assert json_value({"n": [number]}) == {"n": [text]}


def test_floats_dates_and_nested_values_become_json_data():
    from datetime import date

    assert json_value({"x": 0.1, "day": date(2024, 5, 31), "ids": (1, 2), "ok": True, "none": None}) == \
        {"x": "0.1", "day": "2024-05-31", "ids": [1, 2], "ok": True, "none": None}


# Each expression gives a Decimal: 1e2 is Decimal("1E+2"), "-0" | decimal is Decimal("-0").
EXPRESSIONS = [
    ("1e2", "100"),
    ('"100" | decimal', "100"),
    ("0.10", "0.10"),
    ('"-0" | decimal', "0"),
]


@pytest.fixture
def notes(make, workspace):
    return make.form(workspace, [{"key": "title", "type": "text"}, {"key": "note", "type": "text"}], key="notes")


def _run(make, workspace, owner, steps, **definition):
    flow = make.flow(workspace, trigger={"type": "manual"}, steps=steps, **definition)
    run = start_manual_run(flow, member=owner)
    runner.execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    return run, {row.path: row.output for row in StepRun.objects.filter(run=run)}


@pytest.mark.parametrize(("expression", "text"), EXPRESSIONS)
def test_a_decimal_reads_the_same_through_the_api_a_run_and_a_csv_export(
        api, make, workspace, owner, notes, expression, text):
    # given: a before-save flow writes the Decimal into the record
    make.flow(workspace, trigger={"type": "before_save", "form": "notes"},
              steps=[{"id": "fill", "type": "set", "variables": {"fields": {"note": f"{{{{ {expression} }}}}"}}}])
    created = api.post("/api/v1/forms/notes/records/", {"title": "a"}, format="json")
    assert created.status_code == 201, created.json()

    # when: it is read through the API, computed and queried by a run, and exported
    listed = api.get("/api/v1/forms/notes/records/").json()["results"][0]["data"]["note"]
    run, outputs = _run(make, workspace, owner, [
        {"id": "compute", "type": "set", "variables": {"value": f"{{{{ {expression} }}}}"}},
        {"id": "find", "type": "record.query", "form": "notes"},
    ], output={"value": f"{{{{ {expression} }}}}"})
    export = api.get("/api/v1/forms/notes/records/export/", HTTP_ACCEPT="text/csv")
    exported = list(csv.DictReader(io.StringIO(b"".join(export.streaming_content).decode("utf-8-sig"))))

    # then: every door shows the same text
    assert created.json()["data"]["note"] == text
    assert listed == text
    assert outputs["compute"] == {"value": text}
    assert outputs["find"]["rows"][0]["data"]["note"] == text
    assert run.output == {"value": text}
    assert exported[0]["note"] == text


def test_an_extreme_exponent_stays_as_short_as_the_number():
    assert json_value(Decimal("1E+999000")) == "1E+999000"
    assert json_value([Decimal("-1E-999000")]) == ["-1E-999000"]
