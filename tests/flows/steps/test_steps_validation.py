"""Saving a flow reports every problem of its steps at once, each at its location."""

from __future__ import annotations

import pytest

from apps.flows.validation import FlowChecker, check_flow

FIELDS = [{"key": "sku", "type": "text"}, {"key": "available", "type": "counter"},
          {"key": "total", "type": "decimal"}]


@pytest.fixture
def stock(make, workspace):
    return make.form(workspace, FIELDS, key="stock")


def errors_of(flows, workspace, steps, **extra) -> dict[str, str]:
    found = check_flow(workspace, flows.definition(steps, **extra)).errors
    return {path: " | ".join(str(m) for m in messages) for path, messages in found.items()}


def test_references_and_expressions_are_checked_with_locations(flows, workspace, stock):
    errors = errors_of(flows, workspace, [
        {"id": "a", "type": "record.create", "form": "nope", "data": {"x": 1}},
        {"id": "b", "type": "record.create", "form": "stock", "data": {"sku": "{{ input.sku ", "colour": "red"}},
        {"id": "c", "type": "counter.adjust", "form": "stock", "record": 1, "field": "sku", "delta": -1},
        {"id": "d", "type": "branch", "conditions": [{"when": "input.total >", "steps": [
            {"id": "e", "type": "record.update", "form": "stock", "record": "{{ x }}", "data": {"nope": 1}}]}],
         "else": [{"id": "f", "type": "record.query", "form": "stock", "sort": "-colour",
                   "filters": [{"field": "weight", "op": "eq", "value": 1}], "aggregate": {"sum": "sku"}}]},
        {"id": "g", "type": "loop", "items": "{{ input.lines", "steps": [
            {"id": "h", "type": "notify", "to": "owner", "title": "x", "body": "{% if %}"}]},
        {"id": "i", "type": "call_flow", "flow": "self_caller"},
        {"id": "j", "type": "delay"},
        {"id": "k", "type": "counter.adjust", "form": "stock"},
        {"id": "a", "type": "record.upsert", "form": "stock", "data": {}},
        {"id": "l", "type": "record.query", "form": "stock", "group_by": "sku"},
    ], key="self_caller")

    assert "no form 'nope'" in errors["steps[0].form"]
    assert "steps[1].data.sku" in errors and "no field 'colour'" in errors["steps[1].data.colour"]
    assert "expected counter" in errors["steps[2].field"]
    assert "steps[3].conditions[0].when" in errors
    assert "no field 'nope'" in errors["steps[3].conditions[0].steps[0].data.nope"]
    assert "steps[3].else[0].sort" in errors and "steps[3].else[0].filters[0].field" in errors
    assert "summed" in errors["steps[3].else[0].aggregate.sum"]
    assert "steps[4].items" in errors and "steps[4].steps[0].body" in errors
    assert "cannot call itself" in errors["steps[5].flow"]
    assert "duration" in errors["steps[6]"]
    assert {"steps[7].record", "steps[7].field", "steps[7].delta"} <= errors.keys()
    assert "also used" in errors["steps[8].id"] and "unique key" in errors["steps[8].form"]
    assert "needs an aggregate" in errors["steps[9].group_by"]


def test_schema_errors_are_located_too(flows, workspace, stock):
    errors = errors_of(flows, workspace, [
        {"id": "q", "type": "record.query", "form": "stock", "limit": 5000, "colour": 1},
        {"id": "h", "type": "http.request", "url": "https://x.example", "method": "FETCH", "timeout": 600},
        {"id": "b", "type": "branch", "conditions": []},
        {"id": "p", "type": "parallel", "branches": [[{"id": "x", "type": "nope"}]]},
        {"id": "n", "type": "notify", "title": "x", "channels": ["sms"]},
    ])

    assert "steps[0].limit" in errors and "colour" in errors["steps[0]"]
    assert {"steps[1].method", "steps[1].timeout"} <= errors.keys()
    assert "steps[2].conditions" in errors
    assert "steps[3].branches[0][0].type" in errors
    assert "'to' is required" in errors["steps[4]"] and "steps[4].channels[0]" in errors


def test_a_valid_flow_using_every_step_type_passes(flows, workspace, stock):
    errors = errors_of(flows, workspace, [
        {"id": "c", "type": "record.create", "form": "stock", "data": {"sku": "{{ input.sku }}"}},
        {"id": "u", "type": "record.update", "form": "stock", "record": "{{ steps.c.id }}", "data": {"total": 1}},
        {"id": "q", "type": "record.query", "form": "stock", "filters": [{"field": "sku", "op": "eq", "value": "A"}],
         "aggregate": {"sum": "total"}, "group_by": "sku"},
        {"id": "a", "type": "counter.adjust", "form": "stock", "record": "{{ steps.c.id }}", "field": "available",
         "delta": -1},
        {"id": "s", "type": "set", "variables": {"x": 1}},
        {"id": "l", "type": "loop", "items": [1, 2], "steps": [{"id": "w", "type": "delay", "seconds": 1}]},
        {"id": "p", "type": "parallel", "branches": [[{"id": "st", "type": "stop"}], [{"id": "f", "type": "fail",
                                                                                        "message": "no"}]]},
        {"id": "h", "type": "http.request", "url": "https://x.example/{{ vars.x }}", "method": "POST", "body": {}},
        {"id": "wh", "type": "webhook.send", "url": "https://x.example", "event": "e", "secret": "s"},
        {"id": "n", "type": "notify", "to": "owner", "title": "t", "body": "{% if x %}y{% endif %}"},
        {"id": "e", "type": "wait", "form": "stock", "record": 1, "condition": "record.sku == 'A'",
         "on_timeout": [{"id": "t", "type": "set", "variables": {"late": True}}]},
        {"id": "cf", "type": "call_flow", "flow": "other", "input": {"a": 1}},
        {"id": "ap", "type": "approval", "approvers": ["owner"], "title": "ok?", "on_timeout": "approve"},
        {"id": "d", "type": "record.delete", "form": "stock", "record": "{{ steps.c.id }}"},
    ])

    assert errors == {}


def test_waiting_steps_are_refused_in_before_save_flows(workspace):
    checker = FlowChecker(workspace, {"key": "rule"})
    checker.in_transaction = True
    checker.check_sequence([
        {"id": "ok", "type": "set", "variables": {"a": 1}},
        {"id": "d", "type": "delay", "seconds": 5},
        {"id": "b", "type": "branch", "conditions": [{"when": True, "steps": [
            {"id": "ap", "type": "approval", "approvers": "owner", "title": "x"}]}]},
    ], "steps")

    assert set(checker.errors.errors) == {"steps[1].type", "steps[2].conditions[0].steps[0].type"}
