"""An endpoint's mapping is checked as one definition: long, deep or too many expressions are refused by key."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

FIELDS = [{"key": "order_id", "type": "text"}, {"key": "note", "type": "text"}, {"key": "total", "type": "text"}]


@pytest.fixture
def orders(make, workspace):
    return make.form(workspace, FIELDS, key="orders")


def create(api, mapping: dict):
    return api.post("/api/v1/endpoints/", {"key": "shop", "form": "orders", "mapping": mapping}, format="json")


def test_a_fifty_thousand_character_mapping_expression_is_refused_by_its_length(api, orders):
    huge = "{{ " + "body.id ~ " * 5000 + "body.id }}"
    response = create(api, {"order_id": "{{ body.id }}", "note": huge})
    assert response.status_code == 400
    assert response.json()["errors"] == {
        "mapping.note": [f"the expression is {len(huge)} characters long; the limit is 4000"]}


def test_a_deep_mapping_expression_is_refused_before_parsing(api, orders):
    response = create(api, {"order_id": "{{ " + "(" * 1500 + "body.id" + ")" * 1500 + " }}",
                            "note": "{{ " + "body.a + " * 300 + "1 }}"})
    assert response.json()["errors"] == {
        "mapping.order_id": ["expression too complex (brackets nested more than 32 deep)"],
        "mapping.note": ["expression too complex (more than 100 operators)"]}


def test_the_expressions_of_one_mapping_are_bounded_in_total(api, orders, settings):
    settings.WEFT = {**settings.WEFT, "DEFINITION_EXPRESSION_CHARS": 5000}
    long = "{{ body.id ~ '" + "x" * 3000 + "' }}"
    response = create(api, {"order_id": long, "note": long, "total": long})
    assert list(response.json()["errors"]) == ["mapping.note"]
    assert "longer than 5000 characters in all" in response.json()["errors"]["mapping.note"][0]


def test_an_ordinary_mapping_is_accepted(api, orders):
    response = create(api, {"order_id": "{{ body.id }}", "note": "from the shop", "total": "{{ body.amount }}"})
    assert response.status_code == 201, response.json()
