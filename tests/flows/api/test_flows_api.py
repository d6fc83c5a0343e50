"""The flow and run API: definitions (validated, versioned), runs (list, detail, start), hooks, isolation."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone
from rest_framework.test import APIClient

from apps.connectors.inbound.processing import process_pending
from apps.flows import services
from apps.flows.engine import runner
from apps.flows.models import Flow, FlowVersion, Notification, Run, RunStatus

pytestmark = pytest.mark.django_db


def definition(key: str = "reserve", steps: list[dict] | None = None, **extra) -> dict:
    return {"key": key, "name": key.replace("_", " ").title(), "trigger": {"type": "manual"},
            "steps": steps if steps is not None else [{"id": "note", "type": "set", "variables": {"n": 1}}],
            **extra}


@pytest.fixture
def flow(api):
    response = api.post("/api/v1/flows/", definition(), format="json")
    assert response.status_code == 201, response.json()
    return Flow.objects.get(key="reserve")


# --- create, validate -----------------------------------------------------------------------------

def test_a_flow_is_created_from_json(api, orders, owner):
    body = definition("intake", [
        {"id": "make", "type": "record.create", "form": "orders", "data": {"title": "{{ input.title }}"}},
        {"id": "each", "type": "loop", "items": "{{ input.lines }}", "steps": [
            {"id": "take", "type": "counter.adjust", "form": "orders", "record": "{{ steps.make.id }}",
             "field": "stock", "delta": "{{ -item }}"}]},
    ], settings={"concurrency": 3})
    response = api.post("/api/v1/flows/", body, format="json")
    assert response.status_code == 201, response.json()
    data = response.json()
    assert (data["key"], data["name"], data["version"], data["enabled"], data["paused"]) == \
        ("intake", "Intake", 1, True, False)
    assert data["trigger_type"] == "manual" and data["definition"] == body and data["webhook_url"] is None
    saved = Flow.objects.get(key="intake")
    assert saved.owner == owner and saved.workspace == owner.workspace
    assert list(FlowVersion.objects.filter(flow=saved).values_list("version", flat=True)) == [1]
    assert [f["key"] for f in api.get("/api/v1/flows/").json()["results"]] == ["intake"]
    assert api.get("/api/v1/flows/intake/").json()["definition"] == body

    again = api.post("/api/v1/flows/", body, format="json")
    assert again.status_code == 409 and again.json()["code"] == "flow_key_taken"


@pytest.mark.parametrize("steps, trigger, expected", [
    pytest.param([{"id": "a", "type": "teleport"}], None, {"steps[0].type": "must be one of"},
                 id="unknown-step-type"),
    pytest.param([{"id": "a", "type": "http.request", "method": "POST"}], None, {"steps[0]": "'url' is required"},
                 id="missing-required-option"),
    pytest.param([{"id": "a", "type": "set", "variables": {"x": "{{ input.qty * }}"}}], None,
                 {"steps[0].variables.x": "syntax error"}, id="bad-expression"),
    pytest.param([{"id": "a", "type": "record.create", "form": "nowhere"}], None,
                 {"steps[0].form": "no form 'nowhere'"}, id="missing-form"),
    pytest.param([{"id": "a", "type": "record.create", "form": "orders", "data": {"colour": "red"}}], None,
                 {"steps[0].data.colour": "has no field 'colour'"}, id="missing-field"),
    pytest.param([{"id": "a", "type": "counter.adjust", "form": "orders", "record": 1, "field": "title",
                   "delta": 1}], None, {"steps[0].field": "expected counter"}, id="not-a-counter"),
    pytest.param([{"id": "a", "type": "set", "variables": {"x": 1}},
                  {"id": "a", "type": "set", "variables": {"y": 2}}], None,
                 {"steps[1].id": "also used at steps[0]"}, id="duplicate-step-ids"),
    pytest.param([{"id": "hold", "type": "delay", "minutes": 5}], {"type": "before_save", "form": "orders"},
                 {"steps[0].type": "cannot use a waiting step"}, id="waiting-step-in-before-save"),
    pytest.param([{"id": "each", "type": "loop", "items": [1], "steps": [
        {"id": "inner", "type": "record.update", "form": "ghosts", "record": 1, "data": {}}]}], None,
                 {"steps[0].steps[0].form": "no form 'ghosts'"}, id="nested-step"),
])
def test_an_invalid_definition_answers_400_with_each_problem_located(api, orders, steps, trigger, expected):
    body = definition("broken", steps, **({"trigger": trigger} if trigger else {}))
    path_step = {"steps[1].id": "a", "steps[0].steps[0].form": "inner"}
    path_step = {path: path_step.get(path, steps[0]["id"]) for path in expected}
    for url in ("/api/v1/flows/", "/api/v1/flows/validate/"):
        response = api.post(url, body, format="json")
        assert response.status_code == 400, response.json()
        errors = response.json()["errors"]
        for path, text in expected.items():
            assert path in errors, errors
            assert any(text in message for message in errors[path]), errors[path]
        assert response.json()["steps"] == {path: path_step[path] for path in expected}, response.json()
    assert not Flow.objects.exists()


def test_every_problem_is_reported_at_once_with_its_step(api, orders):
    body = definition("broken", [
        {"id": "first", "type": "set", "variables": {"x": "{{ (1 + }}"}},
        {"id": "first", "type": "record.create", "form": "nowhere"},
        {"id": "lines", "type": "loop", "items": "{{ input.lines }}", "steps": [
            {"id": "make", "type": "record.create", "form": "orders", "data": {"colour": "{{ item }}"}},
            {"id": "check", "type": "fail", "message": "{{ item.sku }"}]},
    ])
    response = api.post("/api/v1/flows/", body, format="json")
    assert response.status_code == 400
    data = response.json()
    assert data["code"] == "validation_failed"
    assert set(data["errors"]) == {"steps[0].variables.x", "steps[1].id", "steps[1].form",
                                   "steps[2].steps[0].data.colour", "steps[2].steps[1].message"}
    assert data["steps"] == {"steps[0].variables.x": "first", "steps[1].id": "first", "steps[1].form": "first",
                             "steps[2].steps[0].data.colour": "make", "steps[2].steps[1].message": "check"}


def test_schema_problems_of_several_steps_are_reported_together(api):
    response = api.post("/api/v1/flows/", definition("broken", [
        {"id": "a", "type": "teleport"}, {"id": "b", "type": "record.create"},
        {"id": "Bad Id", "type": "set", "variables": {"x": 1}}]), format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert {"steps[0].type", "steps[1]", "steps[2].id"} <= set(errors)
    assert response.json()["steps"] == {"steps[0].type": "a", "steps[1]": "b", "steps[2].id": "Bad Id"}


def test_problems_in_branches_and_handlers_name_their_innermost_step(api):
    response = api.post("/api/v1/flows/", {**definition("broken", [
        {"id": "route", "type": "branch", "conditions": [
            {"when": "input.qty >", "steps": [{"id": "big", "type": "set", "variables": {"v": "{{ 1 + }}"}}]}],
         "on_error": {"action": "branch", "steps": [{"id": "alert", "type": "fail", "message": "{{ ( }}"}]}}]),
        "trigger": {"type": "record", "form": "nope"}}, format="json")
    assert response.status_code == 400
    data = response.json()
    assert set(data["errors"]) == {"trigger.form", "steps[0].conditions[0].when",
                                   "steps[0].conditions[0].steps[0].variables.v", "steps[0].on_error.steps[0].message"}
    assert data["steps"] == {"steps[0].conditions[0].when": "route",
                             "steps[0].conditions[0].steps[0].variables.v": "big",
                             "steps[0].on_error.steps[0].message": "alert"}


def test_problems_outside_steps_name_no_step(api):
    response = api.post("/api/v1/flows/", {"key": "Bad Key", "name": "x", "trigger": {"type": "manual"},
                                           "steps": [], "colour": 1}, format="json")
    assert response.status_code == 400
    errors = response.json()["errors"]
    assert "key" in errors and "unknown option(s): colour" in errors["non_field_errors"]
    assert response.json()["steps"] == {}


def test_validate_checks_without_saving(api, orders):
    response = api.post("/api/v1/flows/validate/", definition(), format="json")
    assert response.status_code == 200 and response.json() == {"valid": True, "errors": {}, "steps": {}}
    bad = api.post("/api/v1/flows/validate/", [1, 2], format="json")
    assert bad.status_code == 400 and bad.json()["valid"] is False and "definition" in bad.json()["errors"]
    assert not Flow.objects.exists()


# --- versions, enable, disable --------------------------------------------------------------------

def test_an_update_makes_a_new_version(api, flow):
    changed = definition(steps=[{"id": "note", "type": "set", "variables": {"n": 2}}])
    response = api.put("/api/v1/flows/reserve/", changed, format="json")
    assert response.status_code == 200, response.json()
    assert response.json()["version"] == 2 and response.json()["definition"] == changed

    versions = api.get("/api/v1/flows/reserve/versions/").json()["results"]
    assert [v["version"] for v in versions] == [2, 1]
    assert versions[0]["definition"]["steps"][0]["variables"] == {"n": 2}
    assert versions[1]["definition"]["steps"][0]["variables"] == {"n": 1}

    # saving the same definition again is not a new version; an invalid one changes nothing
    assert api.put("/api/v1/flows/reserve/", changed, format="json").json()["version"] == 2
    invalid = api.put("/api/v1/flows/reserve/", definition(steps=[{"id": "x", "type": "teleport"}]), format="json")
    assert invalid.status_code == 400 and "steps[0].type" in invalid.json()["errors"]
    renamed = api.put("/api/v1/flows/reserve/", definition("other_key"), format="json")
    assert renamed.status_code == 400 and "key" in renamed.json()["errors"]
    flow.refresh_from_db()
    assert flow.version == 2 and flow.key == "reserve"


def test_a_run_started_before_an_update_keeps_its_version(api, flow, owner):
    run = runner.start_run(flow, trigger={"type": "manual"}, input_={}, actor=owner)
    api.put("/api/v1/flows/reserve/", definition(steps=[{"id": "note", "type": "set", "variables": {"n": 2}}]),
            format="json")
    runner.execute(run.pk)
    detail = api.get(f"/api/v1/runs/{run.pk}/").json()
    assert detail["flow_version"] == 1 and detail["status"] == RunStatus.SUCCEEDED
    assert detail["variables"] == {"n": 1}


def test_disable_and_enable(api, flow):
    response = api.post("/api/v1/flows/reserve/disable/")
    assert response.status_code == 200 and response.json()["enabled"] is False
    refused = api.post("/api/v1/flows/reserve/run/", {}, format="json")
    assert refused.status_code == 409 and refused.json()["code"] == "flow_inactive"
    response = api.post("/api/v1/flows/reserve/enable/")
    assert response.status_code == 200 and response.json()["enabled"] is True
    assert api.post("/api/v1/flows/reserve/run/", {}, format="json").status_code == 202


def test_a_member_may_run_flows_but_not_change_them(make, workspace, flow):
    member = make.client(make.member(workspace, role="member"))
    assert member.get("/api/v1/flows/reserve/").status_code == 200
    assert member.put("/api/v1/flows/reserve/", definition(), format="json").status_code == 403
    assert member.post("/api/v1/flows/reserve/disable/").status_code == 403
    assert member.post("/api/v1/flows/reserve/run/", {}, format="json").status_code == 202


def test_delete(api, flow):
    assert api.delete("/api/v1/flows/reserve/").status_code == 204
    assert api.get("/api/v1/flows/reserve/").status_code == 404


# --- starting runs: manual and webhook ------------------------------------------------------------

def test_the_run_endpoint_queues_a_manual_run(api, flow, owner):
    response = api.post("/api/v1/flows/reserve/run/", {"input": {"qty": 2}}, format="json")
    assert response.status_code == 202, response.json()
    data = response.json()
    assert data["status"] == RunStatus.QUEUED and data["flow"] == "reserve" and data["flow_version"] == 1
    run = Run.objects.get(pk=data["id"])
    assert run.input == {"qty": 2, "trigger": {"type": "manual", "by": owner.pk}} and run.started_by == owner
    bad = api.post("/api/v1/flows/reserve/run/", {"input": [1]}, format="json")
    assert bad.status_code == 400


def test_only_manual_flows_are_started_by_the_run_endpoint(api):
    api.post("/api/v1/flows/", {**definition("hook"), "trigger": {"type": "webhook"}}, format="json")
    response = api.post("/api/v1/flows/hook/run/", {}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "flow_not_manual"


def test_the_webhook_endpoint_starts_a_run_without_a_login(api):
    created = api.post("/api/v1/flows/", {**definition("intake"), "trigger": {
        "type": "webhook", "dedupe_header": "X-Delivery"}}, format="json").json()
    url = created["webhook_url"]
    assert url.startswith("/api/v1/hooks/flows/") and len(url) > 40

    anonymous = APIClient()
    response = anonymous.post(url, {"order": "A-1"}, format="json", HTTP_X_DELIVERY="d-1")
    assert response.status_code == 202, response.json()
    assert process_pending() == 1
    run = Run.objects.get(flow__key="intake")
    assert run.input["body"] == {"order": "A-1"} and run.trigger["type"] == "webhook"

    again = anonymous.post(url, {"order": "A-1"}, format="json", HTTP_X_DELIVERY="d-1")
    assert again.status_code == 200 and again.json() == {"delivery": response.json()["delivery"], "duplicate": True}
    assert anonymous.post("/api/v1/hooks/flows/not-a-token/", {}, format="json").status_code == 404
    api.post("/api/v1/flows/intake/disable/")
    assert anonymous.post(url, {}, format="json").status_code == 404
    assert Run.objects.count() == 1


# --- runs: list, detail, cancel, retry ------------------------------------------------------------

def test_runs_are_listed_newest_first_with_filters(api, flow, owner):
    other = services.create_flow(owner.workspace, definition("other"), member=owner)
    now = timezone.now()
    made = []
    for index, (target, status, days) in enumerate([
            (flow, RunStatus.SUCCEEDED, 5), (flow, RunStatus.FAILED, 4), (other, RunStatus.SUCCEEDED, 3),
            (flow, RunStatus.WAITING, 2), (flow, RunStatus.SUCCEEDED, 1)]):
        run = runner.start_run(target, trigger={"type": "manual"}, input_={"i": index}, actor=owner)
        Run.objects.filter(pk=run.pk).update(status=status, created_at=now - timedelta(days=days))
        made.append(run.pk)

    def ids(**params: str) -> list[int]:
        response = api.get("/api/v1/runs/", params)
        assert response.status_code == 200, response.json()
        return [r["id"] for r in response.json()["results"]]

    assert ids() == made[::-1]
    assert ids(flow="reserve") == [made[4], made[3], made[1], made[0]]
    assert ids(flow="other") == [made[2]]
    assert ids(status="succeeded") == [made[4], made[2], made[0]]
    assert ids(status="failed,waiting") == [made[3], made[1]]
    assert ids(flow="reserve", status="succeeded") == [made[4], made[0]]
    since, until = (now - timedelta(days=4, hours=12)).isoformat(), (now - timedelta(days=1, hours=12)).isoformat()
    assert ids(since=since) == made[1:][::-1]
    assert ids(until=until) == made[:4][::-1]
    assert ids(since=since, until=until) == [made[3], made[2], made[1]]

    # the cursor pages through the rest
    first = api.get("/api/v1/runs/?limit=2").json()
    assert [r["id"] for r in first["results"]] == [made[4], made[3]] and first["next_before"] == made[3]
    second = api.get(f"/api/v1/runs/?limit=2&before={first['next_before']}").json()
    assert [r["id"] for r in second["results"]] == [made[2], made[1]]
    last = api.get(f"/api/v1/runs/?limit=2&before={second['next_before']}").json()
    assert [r["id"] for r in last["results"]] == [made[0]] and last["next_before"] is None

    assert api.get("/api/v1/runs/?status=lost").status_code == 400
    assert api.get("/api/v1/runs/?since=yesterday").status_code == 400
    assert api.get("/api/v1/runs/?flow=nope").status_code == 404


def test_run_detail_nests_loop_iterations_under_the_loop(api, orders, owner):
    api.post("/api/v1/flows/", definition("lines", [
        {"id": "start", "type": "set", "variables": {"order": "A-1"}},
        {"id": "each", "type": "loop", "items": "{{ input.skus }}", "as": "sku", "steps": [
            {"id": "make", "type": "record.create", "form": "orders", "data": {"title": "{{ sku }}"}},
            {"id": "check", "type": "branch", "conditions": [
                {"when": "sku == 'B'", "steps": [{"id": "mark", "type": "set", "variables": {"b": True}}]}]}]},
        {"id": "end", "type": "set", "variables": {"done": True}},
    ]), format="json")
    run_id = api.post("/api/v1/flows/lines/run/", {"input": {"skus": ["A", "B"]}}, format="json").json()["id"]
    assert runner.execute(run_id) == RunStatus.SUCCEEDED

    detail = api.get(f"/api/v1/runs/{run_id}/").json()
    assert detail["status"] == RunStatus.SUCCEEDED and detail["input"]["skus"] == ["A", "B"]
    assert detail["variables"] == {"order": "A-1", "b": True, "done": True}
    tree = detail["steps"]
    assert [node["path"] for node in tree] == ["start", "each", "end"]
    loop = tree[1]
    assert loop["type"] == "loop" and loop["status"] == "succeeded" and loop["output"] == {"count": 2}
    assert [node["path"] for node in loop["children"]] == ["each[0].make", "each[0].check", "each[1].make",
                                                            "each[1].check"]
    assert loop["children"][2]["output"]["data"]["title"] == "B"
    assert loop["children"][1]["children"] == []
    assert [node["path"] for node in loop["children"][3]["children"]] == ["each[1].check.when0.mark"]


def test_a_run_that_failed_inside_a_loop_shows_the_failure_under_the_loop(api, owner):
    api.post("/api/v1/flows/", definition("lines", [
        {"id": "each", "type": "loop", "items": [1, 2, 3], "steps": [
            {"id": "check", "type": "branch", "conditions": [
                {"when": "item == 2", "steps": [{"id": "refuse", "type": "fail", "message": "bad line {{ item }}"}]}
            ]}]}]), format="json")
    run_id = api.post("/api/v1/flows/lines/run/", {}, format="json").json()["id"]
    assert runner.execute(run_id) == RunStatus.FAILED

    detail = api.get(f"/api/v1/runs/{run_id}/").json()
    assert detail["error"]["message"] == "bad line 2" and detail["error"]["path"] == "each[1].check.when0.refuse"
    [loop] = detail["steps"]
    assert loop["path"] == "each" and loop["status"] == "failed"
    assert [node["path"] for node in loop["children"]] == ["each[0].check", "each[1].check"]
    failed_branch = loop["children"][1]
    assert failed_branch["status"] == "failed"
    assert [(n["path"], n["status"]) for n in failed_branch["children"]] == [("each[1].check.when0.refuse",
                                                                              "failed")]


def test_cancel_and_retry_through_the_api(api, owner):
    api.post("/api/v1/flows/", definition("slow", [{"id": "hold", "type": "delay", "hours": 1}]), format="json")
    api.post("/api/v1/flows/", definition("bad", [{"id": "stop", "type": "fail", "message": "no"}]), format="json")
    waiting = api.post("/api/v1/flows/slow/run/", {}, format="json").json()["id"]
    failing = api.post("/api/v1/flows/bad/run/", {}, format="json").json()["id"]
    assert runner.execute(waiting) == RunStatus.WAITING
    assert runner.execute(failing) == RunStatus.FAILED

    assert api.post(f"/api/v1/runs/{waiting}/retry/").status_code == 409
    cancelled = api.post(f"/api/v1/runs/{waiting}/cancel/")
    assert cancelled.status_code == 200 and cancelled.json()["status"] == RunStatus.CANCELLED
    assert api.post(f"/api/v1/runs/{failing}/cancel/").status_code == 409
    retried = api.post(f"/api/v1/runs/{failing}/retry/")
    assert retried.status_code == 202 and retried.json()["status"] == RunStatus.QUEUED
    assert api.get("/api/v1/runs/999999/").status_code == 404


# --- notifications --------------------------------------------------------------------------------

def test_notifications_list_only_the_callers_own(api, make, workspace, owner):
    colleague = make.member(workspace, role="member")
    elsewhere = make.workspace()
    mine = Notification.objects.create(workspace=workspace, member=owner, title="Flow 'x' was paused", body="why")
    Notification.objects.create(workspace=workspace, member=colleague, title="for the colleague")
    Notification.objects.create(workspace=elsewhere, member=make.owner(elsewhere), title="another shop")
    response = api.get("/api/v1/notifications/")
    assert response.status_code == 200
    assert [(n["id"], n["title"], n["body"], n["read"]) for n in response.json()["results"]] == \
        [(mine.pk, "Flow 'x' was paused", "why", False)]


# --- isolation ------------------------------------------------------------------------------------

@pytest.fixture
def theirs(make):
    workspace = make.workspace("Theirs")
    owner = make.owner(workspace)
    flow = services.create_flow(workspace, definition("their_flow"), member=owner)
    run = runner.start_run(flow, trigger={"type": "manual"}, input_={}, actor=owner)
    Run.objects.filter(pk=run.pk).update(status=RunStatus.FAILED, error={"message": "theirs"})
    return flow, run


def _calls(flow: Flow, run: Run) -> list[tuple[str, str, dict | None]]:
    base = f"/api/v1/flows/{flow.key}/"
    return [
        ("get", base, None),
        ("put", base, definition(flow.key)),
        ("delete", base, None),
        ("get", f"{base}versions/", None),
        ("post", f"{base}enable/", {}),
        ("post", f"{base}disable/", {}),
        ("post", f"{base}resume/", {}),
        ("post", f"{base}run/", {}),
        ("get", f"/api/v1/runs/?flow={flow.key}", None),
        ("get", f"/api/v1/runs/{run.pk}/", None),
        ("post", f"/api/v1/runs/{run.pk}/cancel/", {}),
        ("post", f"/api/v1/runs/{run.pk}/retry/", {}),
    ]


CALL_IDS = ["detail", "put", "delete", "versions", "enable", "disable", "resume", "run", "runs-of-flow",
            "run-detail", "cancel", "retry"]


@pytest.mark.parametrize("index", range(len(CALL_IDS)), ids=CALL_IDS)
def test_another_workspaces_flows_and_runs_answer_404(api, flow, theirs, index):
    their_flow, their_run = theirs
    method, url, body = _calls(their_flow, their_run)[index]
    response = getattr(api, method)(url, body, format="json") if body is not None else getattr(api, method)(url)
    assert response.status_code == 404, (url, response.status_code, response.content[:300])
    their_flow.refresh_from_db()
    their_run.refresh_from_db()
    assert (their_flow.version, their_flow.enabled, their_run.status) == (1, True, RunStatus.FAILED)
    assert Run.objects.filter(flow=their_flow).count() == 1


def test_the_run_list_shows_only_this_workspaces_runs(api, flow, owner, theirs):
    mine = runner.start_run(flow, trigger={"type": "manual"}, input_={}, actor=owner)
    assert [r["id"] for r in api.get("/api/v1/runs/").json()["results"]] == [mine.pk]
    assert [f["key"] for f in api.get("/api/v1/flows/").json()["results"]] == ["reserve"]
