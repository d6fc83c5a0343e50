"""Filtering, sorting and cursor pagination on field values, including subtable rows."""

from __future__ import annotations

import pytest

FIELDS = [
    {"key": "order_no", "type": "text"},
    {"key": "status", "type": "select", "choices": ["paid", "shipped", "cancelled"]},
    {"key": "total", "type": "decimal", "decimal_places": 2},
    {"key": "qty", "type": "integer"},
    {"key": "placed", "type": "date"},
    {"key": "note", "type": "text"},
    {"key": "lines", "type": "subtable", "fields": [
        {"key": "sku", "type": "text"}, {"key": "qty", "type": "integer"}, {"key": "gift", "type": "boolean"}]},
]


@pytest.fixture
def orders(make, workspace):
    form = make.form(workspace, FIELDS, key="orders")
    rows = [
        ("A1", "paid", "99.50", 1, "2026-11-01", "", [("SKU-1", 1, False)]),
        ("A2", "paid", "1200.00", 3, "2026-11-02", "rush", [("SKU-2", 5, True), ("SKU-1", 2, False)]),
        ("A3", "shipped", "15.00", 2, "2026-11-03", "", []),
        ("A4", "cancelled", "300.10", 5, "2026-11-04", "rush order", [("SKU-3", 1, False)]),
        ("A5", "paid", None, None, None, "", [("SKU-2", 1, False)]),
    ]
    for no, status, total, qty, placed, note, lines in rows:
        data = {"order_no": no, "status": status, "total": total, "qty": qty, "placed": placed, "note": note,
                "lines": [{"sku": s, "qty": q, "gift": g} for s, q, g in lines]}
        make.record(form, {k: v for k, v in data.items() if v not in (None, "", [])})
    return form


def numbers(api, query: str) -> list[str]:
    response = api.get(f"/api/v1/forms/orders/records/?{query}")
    assert response.status_code == 200, response.json()
    return [r["data"]["order_no"] for r in response.json()["results"]]


@pytest.mark.parametrize(("query", "expected"), [
    ("status=paid&sort=order_no", ["A1", "A2", "A5"]),
    ("status__ne=paid&sort=order_no", ["A3", "A4"]),
    ("status__in=shipped,cancelled&sort=order_no", ["A3", "A4"]),
    ("total__gte=100&sort=order_no", ["A2", "A4"]),
    ("total__lt=100&sort=order_no", ["A1", "A3"]),
    ("total=99.5", ["A1"]),
    ("total__between=15,300.10&sort=order_no", ["A1", "A3", "A4"]),
    ("qty__gt=2&sort=order_no", ["A2", "A4"]),
    ("placed__gte=2026-11-03&sort=order_no", ["A3", "A4"]),
    ("note__contains=rush&sort=order_no", ["A2", "A4"]),
    ("note__icontains=RUSH&sort=order_no", ["A2", "A4"]),
    ("total__empty=1", ["A5"]),
    ("total__not_empty=1&sort=order_no", ["A1", "A2", "A3", "A4"]),
    ("lines.sku=SKU-1&sort=order_no", ["A1", "A2"]),
    ("lines.qty__gte=5", ["A2"]),
    ("lines.gift=true", ["A2"]),
    ("lines.sku__in=SKU-3,SKU-9", ["A4"]),
    ("lines.sku__contains=KU-2&sort=order_no", ["A2", "A5"]),
    ("lines.sku__empty=1", ["A3"]),
    ("status=paid&lines.sku=SKU-2&sort=order_no", ["A2", "A5"]),
])
def test_filters(api, orders, query, expected):
    assert numbers(api, query) == expected


@pytest.mark.parametrize(("sort", "expected"), [
    ("total", ["A5", "A3", "A1", "A4", "A2"]),
    ("-total", ["A2", "A4", "A1", "A3", "A5"]),
    ("placed", ["A5", "A1", "A2", "A3", "A4"]),
    ("-qty", ["A4", "A2", "A3", "A1", "A5"]),
    ("id", ["A1", "A2", "A3", "A4", "A5"]),
    ("-id", ["A5", "A4", "A3", "A2", "A1"]),
])
def test_sorting_is_numeric_and_nulls_go_to_the_end_of_descending(api, orders, sort, expected):
    assert numbers(api, f"sort={sort}") == expected


@pytest.mark.parametrize("sort", ["total", "-total", "order_no", "-placed", "qty"])
def test_cursor_walks_every_record_once(api, orders, sort):
    seen, cursor = [], None
    for _ in range(10):
        url = f"/api/v1/forms/orders/records/?sort={sort}&limit=2" + (f"&cursor={cursor}" if cursor else "")
        body = api.get(url).json()
        seen += [r["data"]["order_no"] for r in body["results"]]
        cursor = body["next_cursor"]
        if not cursor:
            break
    assert sorted(seen) == ["A1", "A2", "A3", "A4", "A5"]
    assert seen == numbers(api, f"sort={sort}")


def test_cursor_of_another_sort_is_refused(api, orders):
    cursor = api.get("/api/v1/forms/orders/records/?sort=total&limit=1").json()["next_cursor"]
    response = api.get(f"/api/v1/forms/orders/records/?sort=qty&cursor={cursor}")
    assert response.status_code == 400 and "cursor" in response.json()["errors"]


@pytest.mark.parametrize(("query", "where"), [
    ("colour=red", "colour"),
    ("total__like=1", "total__like"),
    ("qty__gte=many", "qty__gte"),
    ("sort=lines", "sort"),
    ("limit=0", "limit"),
    ("lines.nope=1", "lines.nope"),
])
def test_bad_queries_name_the_parameter(api, orders, query, where):
    response = api.get(f"/api/v1/forms/orders/records/?{query}")
    assert response.status_code == 400
    assert where in response.json()["errors"]


def test_saved_view_applies_filters_and_sort(api, orders):
    created = api.post("/api/v1/forms/orders/views/", {
        "name": "Big paid orders", "filters": [{"field": "status", "op": "eq", "value": "paid"},
                                               {"field": "total", "op": "gte", "value": "50"}],
        "sort": ["-total"], "columns": ["order_no", "total"]}, format="json")
    assert created.status_code == 201
    assert numbers(api, f"view={created.json()['id']}") == ["A2", "A1"]
    assert numbers(api, f"view={created.json()['id']}&qty__gt=1") == ["A2"]


def test_saved_view_with_bad_filter_is_refused(api, orders):
    response = api.post("/api/v1/forms/orders/views/", {
        "name": "x", "filters": [{"field": "colour", "op": "eq", "value": 1}]}, format="json")
    assert response.status_code == 400 and "filters[0]" in response.json()["errors"]
