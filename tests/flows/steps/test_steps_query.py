"""record.query: filters with expressions, sorting, limits, and exact aggregates computed in SQL."""

from __future__ import annotations

import pytest

from apps.flows.models import RunStatus
from apps.forms.services.counters import Adjustment, adjust

FIELDS = [
    {"key": "no", "type": "text"},
    {"key": "channel", "type": "select", "choices": ["jd", "tmall", "shop"]},
    {"key": "total", "type": "decimal", "decimal_places": 2},
    {"key": "qty", "type": "integer"},
    {"key": "stock", "type": "counter", "decimal_places": 1},
]
ROWS = [("A", "jd", "0.10", 1), ("B", "jd", "0.20", 2), ("C", "tmall", "100.05", 3), ("D", "shop", "7.00", 4),
        ("E", "tmall", "0.30", 5)]


@pytest.fixture
def orders(make, workspace):
    form = make.form(workspace, FIELDS, key="orders")
    for no, channel, total, qty in ROWS:
        make.record(form, {"no": no, "channel": channel, "total": total, "qty": qty, "stock": qty})
    return form


def query(flows, input_=None, **options):
    run = flows.run([{"id": "q", "type": "record.query", "form": "orders", **options}], input_)
    assert run.status == RunStatus.SUCCEEDED, run.error
    return flows.output(run, "q")


def test_filters_with_expressions_sort_and_limit(flows, orders):
    out = query(flows, {"channel": "tmall"}, filters=[{"field": "channel", "op": "eq", "value": "{{ input.channel }}"}],
                sort="-total")
    assert [r["data"]["no"] for r in out["rows"]] == ["C", "E"] and out["count"] == 2
    assert out["rows"][0]["data"]["total"] == "100.05" and out["rows"][0]["data"]["stock"] == "3.0"

    out = query(flows, sort="total", limit=2)
    assert [r["data"]["no"] for r in out["rows"]] == ["A", "B"]

    out = query(flows, filters=[{"field": "qty", "op": "gte", "value": "{{ 4 }}"}])
    assert sorted(r["data"]["no"] for r in out["rows"]) == ["D", "E"]


def test_sum_is_exact(flows, orders):
    assert query(flows, aggregate={"sum": "total"}) == {"value": "107.65"}
    assert query(flows, aggregate={"sum": "total"}, filters=[{"field": "channel", "op": "eq", "value": "jd"}]) == \
        {"value": "0.30"}
    assert query(flows, aggregate={"sum": "total"}, filters=[{"field": "no", "op": "eq", "value": "none"}]) == \
        {"value": "0.00"}
    assert query(flows, aggregate={"sum": "qty"}) == {"value": 15}


def test_count_min_max(flows, orders):
    assert query(flows, aggregate={"count": True}) == {"value": 5}
    assert query(flows, aggregate={"min": "total"}) == {"value": "0.10"}
    assert query(flows, aggregate={"max": "total"}) == {"value": "100.05"}
    assert query(flows, aggregate={"max": "no"}) == {"value": "E"}


def test_group_by(flows, orders):
    out = query(flows, aggregate={"sum": "total"}, group_by="channel")
    assert out == {"groups": {"jd": "0.30", "shop": "7.00", "tmall": "100.35"}, "truncated": False}
    out = query(flows, aggregate={"count": True}, group_by="channel")
    assert out["groups"] == {"jd": 2, "shop": 1, "tmall": 2}


def test_counters_are_aggregated_from_the_counter_table(flows, orders):
    record_id = query(flows, filters=[{"field": "no", "op": "eq", "value": "A"}])["rows"][0]["id"]
    adjust(orders, Adjustment(record_id, "stock", "0.5"))

    assert query(flows, aggregate={"sum": "stock"}) == {"value": "15.5"}
    assert query(flows, aggregate={"max": "stock"}, group_by="channel")["groups"] == \
        {"jd": "2.0", "shop": "4.0", "tmall": "5.0"}


def test_bad_filters_fail_with_the_query_layer_message(flows, orders):
    run = flows.run([{"id": "q", "type": "record.query", "form": "orders",
                      "filters": "{{ [{'field': 'total', 'op': 'gt', 'value': 'abc'}] }}"}])

    assert run.status == RunStatus.FAILED
    assert run.error["code"] == "validation_failed" and "filters[0]" in run.error["errors"]
