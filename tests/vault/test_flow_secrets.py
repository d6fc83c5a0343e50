"""Flows name secrets; the value is resolved for the request only, and never shown back."""

from __future__ import annotations

import json

from apps.core.signing import signature_matches
from apps.flows.models import Run, RunStatus, StepRun
from apps.flows.validation import check_flow
from apps.vault import services as vault

TOKEN = "MARKER-SECRET-FLOW-TOKEN"
SIGNING = "whsec_TUFSS0VSLVNFQ1JFVC1TSUdOSU5HLUtFWS0xMjM0NQ=="


def stored_journal(run: Run) -> str:
    rows = StepRun.objects.filter(run=run).values("input", "output", "error")
    run = Run.objects.get(pk=run.pk)
    return json.dumps([list(rows), run.input, run.output, run.error, run.variables])


def test_a_header_names_a_secret_resolved_only_for_the_request(flows, server, loopback_allowed, workspace):
    vault.create_secret(workspace, "erp-token", TOKEN)
    run = flows.run([{"id": "call", "type": "http.request", "method": "POST", "url": server.url + "/orders",
                      "headers": {"Authorization": {"secret": "erp-token"}}, "body": {"n": 1}}])

    assert run.status == RunStatus.SUCCEEDED, run.error
    assert server.requests[0]["headers"]["Authorization"] == TOKEN
    assert TOKEN not in stored_journal(run)


def test_a_failed_request_keeps_no_value_in_its_error(flows, server, loopback_allowed, workspace):
    vault.create_secret(workspace, "erp-token", TOKEN)
    server.script["/orders"] = [(400, {"bad": True})]
    run = flows.run([{"id": "call", "type": "http.request", "url": server.url + "/orders",
                      "headers": {"X-Api-Key": {"secret": "erp-token"}}}])

    assert run.status == RunStatus.FAILED
    assert TOKEN not in stored_journal(run)


def test_webhook_send_signs_with_a_named_secret(flows, server, loopback_allowed, workspace):
    vault.create_secret(workspace, "partner-signing", SIGNING)
    run = flows.run([{"id": "send", "type": "webhook.send", "url": server.url + "/hook", "event": "order.paid",
                      "payload": {"id": 1}, "secret": {"secret": "partner-signing"}}])

    assert run.status == RunStatus.SUCCEEDED, run.error
    sent = server.requests[0]
    assert signature_matches(SIGNING, sent["headers"]["webhook-id"], int(sent["headers"]["webhook-timestamp"]),
                             sent["body"], sent["headers"]["webhook-signature"])
    assert SIGNING not in stored_journal(run)


def test_a_flow_naming_a_missing_secret_is_refused_where_it_names_it(workspace, flows):
    definition = flows.definition([{"id": "call", "type": "http.request", "url": "https://erp.example.com",
                                    "headers": {"Authorization": {"secret": "nope"}}}])

    assert "steps[0].headers.Authorization" in check_flow(workspace, definition).errors


def webhook_flow(secret_header: object) -> dict:
    return {"key": "intake", "name": "Intake", "trigger": {"type": "webhook", "secret": "MARKER-TRIGGER-SECRET"},
            "steps": [{"id": "call", "type": "http.request", "url": "https://erp.example.com/x",
                       "headers": {"Authorization": secret_header, "Accept": "application/json"}}]}


def test_members_see_neither_the_webhook_url_nor_literal_headers(api, member_api, workspace):
    vault.create_secret(workspace, "erp-token", TOKEN)
    assert api.post("/api/v1/flows/", webhook_flow("Bearer MARKER-LITERAL"), format="json").status_code == 201

    shown = member_api.get("/api/v1/flows/intake/").json()
    step = shown["definition"]["steps"][0]
    assert shown["webhook_url"] is None
    assert step["headers"] == {"Authorization": "••••", "Accept": "••••"}
    assert shown["definition"]["trigger"]["secret"] == "••••"
    versions = member_api.get("/api/v1/flows/intake/versions/").content.decode()
    assert "MARKER" not in versions and "MARKER" not in member_api.get("/api/v1/flows/").content.decode()


def test_builders_see_the_url_but_never_the_trigger_secret_and_are_warned(api, builder_api):
    created = api.post("/api/v1/flows/", webhook_flow("Bearer MARKER-LITERAL"), format="json")

    shown = builder_api.get("/api/v1/flows/intake/").json()
    assert shown["webhook_url"].startswith("/api/v1/hooks/flows/")
    assert shown["definition"]["trigger"]["secret"] == "••••"
    assert shown["definition"]["steps"][0]["headers"]["Authorization"] == "Bearer MARKER-LITERAL"
    assert "steps[0].headers.Authorization" in created.json()["warnings"]
    assert "MARKER-TRIGGER-SECRET" not in created.content.decode()


def test_saving_the_masked_trigger_secret_back_keeps_it(api, member_api):
    from apps.flows.models import Flow

    api.post("/api/v1/flows/", webhook_flow("Bearer x"), format="json")
    shown = api.get("/api/v1/flows/intake/").json()["definition"]
    shown["name"] = "Intake 2"
    response = api.put("/api/v1/flows/intake/", shown, format="json")

    assert response.status_code == 200, response.json()
    assert Flow.objects.get(key="intake").definition["trigger"]["secret"] == "MARKER-TRIGGER-SECRET"


def test_validating_the_shown_definition_keeps_the_trigger_secret(api):
    api.post("/api/v1/flows/", webhook_flow("Bearer x"), format="json")
    shown = api.get("/api/v1/flows/intake/").json()["definition"]

    response = api.post("/api/v1/flows/validate/", shown, format="json")
    assert response.status_code == 200 and response.json()["valid"] is True, response.json()
