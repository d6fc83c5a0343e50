"""Every listing's paging parameters: a bad value is a 400 naming the parameter, never a 500."""

from __future__ import annotations

import re

import pytest
from django.conf import settings
from drf_spectacular.generators import SchemaGenerator

PAGING = ("limit", "before", "cursor", "offset")
BAD = {
    "limit": ["abc", "-5", "0", "1.5", "--5", "9" * 40, str(settings.WEFT["MAX_PAGE_SIZE"] + 1)],
    "before": ["abc", "-5", "0", "9" * 40],
    "cursor": ["garbage", "eyJ4IjoxfQ", "%%%"],
    "offset": ["abc", "-5"],
}
FIELDS = [{"key": "sku", "type": "text"}, {"key": "qty", "type": "integer"}]


def _get_operations() -> dict[str, list[str]]:
    """Each GET path of the API with the query parameters it declares."""
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {path: [p["name"] for p in ops["get"].get("parameters", []) if p["in"] == "query"]
            for path, ops in schema["paths"].items() if "get" in ops}


OPERATIONS = _get_operations()
PAGED = sorted(path for path, params in OPERATIONS.items() if set(params) & set(PAGING))


@pytest.fixture
def objects(make, workspace, api) -> dict[str, str]:
    """Path parameters that resolve to objects of the caller's workspace."""
    form = make.form(workspace, FIELDS, key="orders")
    record = make.record(form, {"sku": "A", "qty": 1})
    endpoint = api.post("/api/v1/endpoints/", {"key": "shop", "form": "orders"}, format="json")
    assert endpoint.status_code == 201, endpoint.json()
    sub = api.post("/api/v1/subscriptions/", {"key": "erp", "name": "ERP", "url": "https://erp.example.com/hook",
                                              "events": ["record.created"]}, format="json")
    assert sub.status_code == 201, sub.json()
    return {"forms": form.key, "records": str(record.pk), "endpoints": "shop", "subscriptions": "erp"}


def _url(path: str, objects: dict[str, str]) -> str:
    def fill(match: re.Match) -> str:
        collection = path[: match.start()].rstrip("/").rsplit("/", 1)[-1]
        return objects[collection]

    return re.sub(r"\{\w+\}", fill, path)


def test_the_listings_that_page_are_the_ones_expected():
    assert {"/api/v1/runs/", "/api/v1/forms/{key}/records/", "/api/v1/subscriptions/{key}/messages/",
            "/api/v1/endpoints/{key}/deliveries/"} <= set(PAGED)


@pytest.mark.parametrize("path", PAGED)
def test_a_bad_paging_value_is_a_400_naming_the_parameter(api, objects, path):
    url = _url(path, objects)
    assert api.get(url).status_code == 200
    for name in set(OPERATIONS[path]) & set(PAGING):
        for value in BAD[name]:
            response = api.get(url, {name: value})
            assert response.status_code == 400, (url, name, value, response.status_code)
            reason = response.json()["errors"][name]
            assert reason and all(isinstance(text, str) and text for text in reason), reason


@pytest.mark.parametrize("path", PAGED)
def test_a_good_paging_value_is_accepted(api, objects, path):
    url = _url(path, objects)
    for name, value in {"limit": settings.WEFT["MAX_PAGE_SIZE"], "before": 10**6}.items():
        if name in OPERATIONS[path]:
            assert api.get(url, {name: value}).status_code == 200


def test_the_runs_listing_refuses_limit_abc_and_minus_five(api):
    for value in ("abc", "-5"):
        response = api.get("/api/v1/runs/", {"limit": value})
        assert response.status_code == 400
        assert "limit" in response.json()["errors"]


@pytest.mark.parametrize("path", sorted(p for p in OPERATIONS if "{" not in p))
def test_no_listing_answers_a_500_to_bad_paging_values(api, path):
    response = api.get(path, {"limit": "abc", "before": "abc", "cursor": "garbage", "offset": "abc"})
    assert response.status_code < 500, (path, response.status_code)
