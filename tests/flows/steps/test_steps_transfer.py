"""A form and its approval flow exported from one shop and installed in another that has the same people."""

from __future__ import annotations

from apps.flows import services as flows
from apps.flows.engine import runner
from apps.flows.models import RunStatus, StepRun, Wait
from apps.forms.fields import TransferContext
from apps.forms.services import definitions_io as forms_io
from apps.forms.services.forms import create_form
from tests.support.shops import two_shops


def refunds(shop) -> dict:
    return {"key": "refunds", "name": "Refunds", "fields": [
        {"key": "order", "type": "text", "required": True},
        {"key": "handler", "type": "user", "default": shop.alice.pk},
    ]}


def refund_flow(shop) -> dict:
    return {"key": "approve_refunds", "name": "Approve refunds", "trigger": {"type": "manual"}, "steps": [
        {"id": "route", "type": "branch", "conditions": [{"when": "input.amount > 100", "steps": [
            {"id": "approve", "type": "approval", "approvers": [shop.alice.pk], "title": "Refund {{ input.amount }}"},
        ]}]},
        {"id": "done", "type": "record.update", "form": "products", "record": shop.tee.pk, "data": {"sku": "TS-M"}},
    ]}


def test_an_exported_form_and_approval_flow_install_into_another_shop_and_ask_its_alice(make):
    source, target = two_shops(make)
    leaving = TransferContext(source.workspace)
    form_template = forms_io.export_definition(refunds(source), leaving)
    flow_template = flows.export_definition(refund_flow(source), leaving)
    approval = flow_template["steps"][0]["conditions"][0]["steps"][0]
    assert approval["approvers"] == ["alice"]
    assert flow_template["steps"][1]["record"] == {"unique_key": source.tee.unique_key}

    arriving = TransferContext(target.workspace)
    owner = make.owner(target.workspace)
    form = create_form(target.workspace, forms_io.import_definition(form_template, arriving), member=owner)
    flow = flows.create_flow(target.workspace, flows.import_definition(flow_template, arriving), member=owner)
    assert form.definition == refunds(target)
    assert flow.definition == refund_flow(target)

    run = runner.start_run(flow, trigger={"type": "manual"}, input_={"amount": 250}, actor=owner)
    runner.execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.WAITING, run.error
    wait = Wait.objects.get(run=run, kind="approval")
    assert wait.match["approvers"] == [target.alice.pk]
    flows.decide_approval(wait.pk, target.alice, "approved")

    runner.execute(run.pk)
    run.refresh_from_db()
    assert run.status == RunStatus.SUCCEEDED, run.error
    assert StepRun.objects.get(run=run, path="done").output["id"] == target.tee.pk
