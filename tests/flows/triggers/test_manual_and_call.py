"""Manual triggers (by hand, optionally on a record) and call triggers (started by another flow)."""

from __future__ import annotations

import pytest

from apps.core.errors import ValidationFailed
from apps.flows.errors import FlowInactive
from apps.flows.models import Run
from apps.flows.triggers.manual import NotManual, start_manual
from apps.forms.errors import RecordNotFound


@pytest.fixture
def on_orders(create_flow):
    return create_flow({"type": "manual", "form": "orders", "label": {"en": "Resend", "zh-hans": "重发"},
                        "confirm": "Send the order to the warehouse again?"}, key="resend")


def test_a_run_on_a_record_gets_the_record_and_who_started_it(make, orders, on_orders, owner):
    record = make.record(orders, {"title": "A", "total": "3.5"})
    run = start_manual(on_orders, member=owner, record_id=str(record.pk), input={"reason": "lost", "trigger": "x"})
    assert run.started_by == owner and run.status == "queued"
    assert run.input["trigger"] == {"type": "manual", "by": owner.pk, "record": record.pk}
    assert run.input["record"] == {**record.data, "id": record.pk}
    assert run.input["reason"] == "lost"


def test_records_of_another_form_or_workspace_are_not_found(make, workspace, orders, on_orders, owner):
    other_form = make.form(workspace, [{"key": "title", "type": "text"}], key="notes")
    foreign = make.form(make.workspace(), [{"key": "title", "type": "text"}], key="orders")
    for record_id in (make.record(other_form, {"title": "n"}).pk, make.record(foreign, {"title": "f"}).pk,
                      999999, "abc"):
        with pytest.raises(RecordNotFound):
            start_manual(on_orders, member=owner, record_id=record_id)
    with pytest.raises(ValidationFailed) as missing:
        start_manual(on_orders, member=owner)
    assert "record" in missing.value.errors
    assert not Run.objects.exists()


def test_a_flow_without_a_form_runs_without_a_record(create_flow, owner):
    flow = create_flow({"type": "manual"})
    run = start_manual(flow, member=owner, input={"date": "2024-05-01"})
    assert run.input == {"date": "2024-05-01", "trigger": {"type": "manual", "by": owner.pk}}
    with pytest.raises(ValidationFailed):
        start_manual(flow, member=owner, input=["not", "an", "object"])


def test_only_active_manual_flows_can_be_started(create_flow, owner):
    scheduled = create_flow({"type": "schedule", "every_seconds": 60})
    with pytest.raises(NotManual):
        start_manual(scheduled, member=owner)
    disabled = create_flow({"type": "manual"}, enabled=False)
    with pytest.raises(FlowInactive):
        start_manual(disabled, member=owner)


def test_the_run_endpoint_starts_it(api, make, orders, on_orders):
    record = make.record(orders, {"title": "A"})
    response = api.post("/api/v1/flows/resend/run/", {"record": record.pk}, format="json")
    assert response.status_code == 202, response.json()
    assert Run.objects.get(flow=on_orders).input["record"]["id"] == record.pk
    assert api.post("/api/v1/flows/resend/run/", {"record": 424242}, format="json").status_code == 404


def test_manual_trigger_checks_its_form(create_flow):
    with pytest.raises(ValidationFailed) as refused:
        create_flow({"type": "manual", "form": "nope"})
    assert "trigger.form" in refused.value.errors


def test_a_call_trigger_declares_its_inputs(create_flow):
    flow = create_flow({"type": "call", "inputs": ["order", "qty"]})
    assert flow.trigger_type == "call" and flow.trigger_form is None
    with pytest.raises(ValidationFailed) as refused:
        create_flow({"type": "call", "inputs": ["not a name"]})
    assert "trigger.inputs[0]" in refused.value.errors
