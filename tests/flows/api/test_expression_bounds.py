"""A flow definition's expressions are checked within bounds: a megabyte of them is refused at once, by place."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db


def flow_with(values: list[str]) -> dict:
    steps = [{"id": f"s{index}", "type": "set", "variables": {"v": value}} for index, value in enumerate(values)]
    return {"key": "heavy", "name": "Heavy", "trigger": {"type": "manual"}, "steps": steps}


def test_a_megabyte_of_expressions_is_refused_with_each_one_located(api):
    huge = "{{ " + "record.qty + " * 3846 + "1 }}"  # 50,005 characters
    body = flow_with([huge] * 20)
    response = api.post("/api/v1/flows/validate/", body, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert set(errors) == {f"steps[{index}].variables.v" for index in range(20)}
    assert errors["steps[3].variables.v"] == [f"the expression is {len(huge)} characters long; the limit is 4000"]


def test_the_expressions_of_one_flow_are_bounded_in_total(api, settings):
    settings.WEFT = {**settings.WEFT, "DEFINITION_EXPRESSION_CHARS": 10_000}
    source = "{{ [" + ", ".join(["1"] * 1300) + "] }}"
    response = api.post("/api/v1/flows/validate/", flow_with([source] * 5), format="json")
    assert response.status_code == 400
    assert list(response.json()["errors"]) == ["steps[2].variables.v"]
    assert "longer than 10000 characters in all" in response.json()["errors"]["steps[2].variables.v"][0]


def test_a_deep_chain_is_refused_before_parsing_with_its_place(api):
    chain = "{{ " + "1+" * 1900 + "1 }}"  # short enough to pass the length bound
    nested = "{{ " + "(" * 1900 + "1" + ")" * 1900 + " }}"
    response = api.post("/api/v1/flows/validate/", flow_with(["{{ 1 + 1 }}", chain, nested]), format="json")
    errors = response.json()["errors"]
    assert errors == {"steps[1].variables.v": ["expression too complex (more than 100 operators)"],
                      "steps[2].variables.v": ["expression too complex (brackets nested more than 32 deep)"]}


def test_checking_a_flow_stops_when_its_time_budget_is_spent(api, settings):
    settings.WEFT = {**settings.WEFT, "DEFINITION_CHECK_MS": 0}
    response = api.post("/api/v1/flows/validate/", flow_with(["{{ 1 + 1 }}", "{{ 2 }}"]), format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"steps[0].variables.v": [
        "checking the expressions of this definition took longer than 0 ms; "
        "checking stopped here (simplify or split the definition)"]}


def test_an_ordinary_flow_is_still_valid(api):
    response = api.post("/api/v1/flows/validate/", flow_with(["{{ 1 + 1 }}", "plain text"]), format="json")
    assert response.status_code == 200, response.json()
