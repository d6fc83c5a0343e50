"""counter.adjust with branch and loop: reserving an order's stock and reacting when there is not enough."""

from __future__ import annotations

import pytest

from apps.flows.models import RunStatus
from apps.forms.models import CounterEntry, Record
from apps.forms.services.counters import counter_value

STOCK_FIELDS = [
    {"key": "sku", "type": "text", "required": True},
    {"key": "available", "type": "counter", "min": 0},
    {"key": "reserved", "type": "counter", "min": 0},
]


@pytest.fixture
def stock(make, workspace):
    return make.form(workspace, STOCK_FIELDS, key="stock", unique_key=["sku"])


@pytest.fixture
def alerts(make, workspace):
    return make.form(workspace, [{"key": "text", "type": "text"}], key="alerts")


def reserve_step(**extra):
    return {"id": "reserve", "type": "counter.adjust", "form": "stock", "record": "{{ input.sku_id }}",
            "field": "available", "delta": "{{ -input.qty }}", "reason": "order {{ input.order }}", **extra}


BRANCH_ON_RESERVE = {
    "id": "enough", "type": "branch",
    "conditions": [{"when": "steps.reserve.applied", "steps": [
        {"id": "ok", "type": "set", "variables": {"state": "reserved"}}]}],
    "else": [{"id": "short", "type": "record.create", "form": "alerts",
              "data": {"text": "short: {{ steps.reserve.message }}"}}],
}


def test_applied_adjustment_takes_the_first_branch(flows, make, stock, alerts):
    sku = make.record(stock, {"sku": "A1", "available": 5})
    run = flows.run([reserve_step(), BRANCH_ON_RESERVE], {"sku_id": sku.pk, "qty": 3, "order": "O-1"})

    assert run.status == RunStatus.SUCCEEDED, run.error
    out = flows.output(run, "reserve")
    assert out["applied"] is True and out["refused"] is False and out["value"] == 2 and out["delta"] == -3
    assert flows.output(run, "enough") == {"taken": 0}
    assert run.variables == {"state": "reserved"}
    assert counter_value(stock, sku.pk, "available") == 2
    entry = CounterEntry.objects.get()
    assert entry.key == f"run:{run.pk}:reserve" and entry.reason == "order O-1"


def test_refusal_is_an_output_not_an_error_and_the_flow_branches(flows, make, stock, alerts):
    sku = make.record(stock, {"sku": "A1", "available": 2})
    run = flows.run([reserve_step(), BRANCH_ON_RESERVE], {"sku_id": sku.pk, "qty": 3, "order": "O-2"})

    assert run.status == RunStatus.SUCCEEDED, run.error
    out = flows.output(run, "reserve")
    assert out["applied"] is False and out["refused"] is True and out["value"] == 2
    assert "only 2 left" in out["message"]
    assert flows.output(run, "enough") == {"taken": "else"}
    assert Record.objects.get(form=alerts).data["text"].startswith("short: only 2 left")
    assert counter_value(stock, sku.pk, "available") == 2


def test_fail_if_refused_makes_refusal_an_error(flows, make, stock):
    sku = make.record(stock, {"sku": "A1", "available": 2})
    run = flows.run([reserve_step(fail_if_refused=True)], {"sku_id": sku.pk, "qty": 3, "order": "O-3"})

    assert run.status == RunStatus.FAILED
    assert run.error["code"] == "guard_failed" and run.error["value"] == 2


def test_explicit_key_applies_once_across_runs(flows, make, stock):
    sku = make.record(stock, {"sku": "A1", "available": 5})
    flow = flows.create([reserve_step(key="{{ input.order }}:A1")])
    first = flows.execute(flows.start(flow, {"sku_id": sku.pk, "qty": 2, "order": "O-4"}))
    second = flows.execute(flows.start(flow, {"sku_id": sku.pk, "qty": 2, "order": "O-4"}))

    assert flows.output(first, "reserve")["replayed"] is False
    out = flows.output(second, "reserve")
    assert out["applied"] is True and out["replayed"] is True and out["value"] == 3
    assert counter_value(stock, sku.pk, "available") == 3


ORDER_LINES = [{"sku": "A1", "qty": 2}, {"sku": "B2", "qty": 1}, {"sku": "A1", "qty": 1}]


def test_loop_over_order_lines_reserves_each_then_branches(flows, make, stock, alerts):
    ids = {s: make.record(stock, {"sku": s, "available": 5}).pk for s in ("A1", "B2")}
    steps = [
        {"id": "lines", "type": "loop", "items": "{{ input.lines }}", "as": "line", "steps": [
            {"id": "take", "type": "counter.adjust", "form": "stock", "record": "{{ input.ids[line.sku] }}",
             "field": "available", "delta": "{{ -line.qty }}"},
            {"id": "hold", "type": "counter.adjust", "form": "stock", "record": "{{ input.ids[item.sku] }}",
             "field": "reserved", "delta": "{{ line.qty }}"},
            {"id": "count", "type": "set", "variables": {"taken": "{{ (vars.taken or 0) + line.qty }}",
                                                        "last": "{{ index }}"}},
        ]},
        {"id": "check", "type": "branch", "conditions": [{"when": "vars.taken == 4", "steps": [
            {"id": "done", "type": "stop", "output": {"reserved": "{{ vars.taken }}"}}]}]},
        {"id": "never", "type": "fail", "message": "not reached"},
    ]
    run = flows.run(steps, {"lines": ORDER_LINES, "ids": ids})

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert run.output == {"reserved": 4}
    assert flows.output(run, "lines") == {"count": 3}
    paths = set(flows.steps(run))
    assert {"lines[0].take", "lines[1].hold", "lines[2].count", "check~taken"} <= paths
    assert "never" not in paths
    assert counter_value(stock, ids["A1"], "available") == 2
    assert counter_value(stock, ids["A1"], "reserved") == 3
    assert counter_value(stock, ids["B2"], "available") == 4
    assert run.variables["last"] == 2


def test_adjustments_list_is_all_or_nothing(flows, make, stock):
    ids = {s: make.record(stock, {"sku": s, "available": 1}).pk for s in ("A1", "B2")}
    steps = [{"id": "reserve", "type": "counter.adjust", "form": "stock",
              "adjustments": "{{ input.wanted }}"}]
    enough = [{"record": ids["A1"], "field": "available", "delta": -1},
              {"record": ids["B2"], "field": "available", "delta": -1}]
    too_much = [{"record": ids["A1"], "field": "available", "delta": -1},
                {"record": ids["B2"], "field": "available", "delta": -2}]

    refused = flows.run(steps, {"wanted": too_much})
    out = flows.output(refused, "reserve")
    assert out["applied"] is False and out["refused"] is True
    assert counter_value(stock, ids["A1"], "available") == 1

    applied = flows.execute(flows.start(refused.flow, {"wanted": enough}))
    out = flows.output(applied, "reserve")
    assert out["applied"] is True and [r["value"] for r in out["results"]] == [0, 0]
    assert counter_value(stock, ids["A1"], "available") == 0


def test_same_counter_twice_in_one_list_applies_twice(flows, make, stock):
    sku = make.record(stock, {"sku": "A1", "available": 5}).pk
    run = flows.run([{"id": "reserve", "type": "counter.adjust", "form": "stock", "adjustments": [
        {"record": sku, "field": "available", "delta": -1},
        {"record": sku, "field": "available", "delta": -2}]}])

    assert flows.output(run, "reserve")["applied"] is True
    assert counter_value(stock, sku, "available") == 2


def test_loop_refuses_a_non_list(flows):
    run = flows.run([{"id": "each", "type": "loop", "items": "{{ 5 }}", "steps": [
        {"id": "x", "type": "set", "variables": {"a": 1}}]}])

    assert run.status == RunStatus.FAILED
    assert "must give a list" in run.error["message"]
