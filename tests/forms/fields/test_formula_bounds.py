"""A form's formulas are checked as one definition: bounded in total size and in time, refused by place."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def put_form(api, fields):
    return api.post("/api/v1/forms/", {"key": "sums", "name": "Sums", "fields": fields}, format="json")


def formula(key: str, source: str) -> dict:
    return {"key": key, "type": "formula", "expression": source, "result": "decimal"}


def test_the_formulas_of_one_form_are_bounded_in_total(api, settings):
    settings.WEFT = {**settings.WEFT, "DEFINITION_EXPRESSION_CHARS": 5000}
    source = "record.qty ~ '" + "9" * 1900 + "'"  # 1,915 characters
    fields = [{"key": "qty", "type": "integer"}] + [formula(f"f{index}", source) for index in range(4)]
    response = put_form(api, fields)
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["fields[3].expression"]
    assert "longer than 5000 characters in all" in response.json()["errors"]["fields[3].expression"][0]


def test_a_deep_formula_is_refused_before_parsing(api):
    fields = [{"key": "qty", "type": "integer"}, formula("total", "record.qty" + "+1" * 900)]
    response = put_form(api, fields)
    assert response.json()["errors"] == {"fields[1].expression": ["expression too complex (more than 100 operators)"]}


def test_checking_a_form_stops_when_its_time_budget_is_spent(api, settings):
    settings.WEFT = {**settings.WEFT, "DEFINITION_CHECK_MS": 0}
    response = put_form(api, [{"key": "qty", "type": "integer"}, formula("double", "record.qty * 2")])
    assert response.status_code == 400
    assert "took longer than 0 ms" in response.json()["errors"]["fields[1].expression"][0]


def test_ordinary_formulas_are_accepted(api):
    response = put_form(api, [{"key": "qty", "type": "integer"}, formula("double", "record.qty * 2")])
    assert response.status_code in (200, 201), response.json()
