"""Every path of the API, as every role and as another workspace, answers as the permission table says.

The table is ``platform/reference/permissions.md``; the paths come from the OpenAPI schema, so a new
endpoint that nobody wrote into the table fails here before it ships.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import pytest
from django.conf import settings
from django.utils import timezone
from drf_spectacular.generators import SchemaGenerator

from apps.accounts.models import ROLE_RANK, Role
from apps.accounts.services import issue_token
from apps.connectors.models import Delivery, Endpoint, Message, Subscription
from apps.flows.models import Run

TABLE = Path(settings.BASE_DIR) / "platform" / "reference" / "permissions.md"
ROW = re.compile(r"^\|\s*(GET|POST|PUT|PATCH|DELETE)\s*\|\s*(\S+)\s*\|\s*(\w+)\s*\|$")
STOCK = {"key": "stock", "name": "Stock", "unique_key": ["sku"],
         "fields": [{"key": "sku", "type": "text", "required": True}, {"key": "available", "type": "counter"}]}
FLOW = {"key": "tally", "name": "Tally", "trigger": {"type": "manual"},
        "steps": [{"id": "work", "type": "set", "variables": {"n": "1"}}]}
# A plausible body per call; a role that may make the call may still get a 400 for it, never a 403.
BODIES = {
    ("POST", "/api/v1/forms/"): {**STOCK, "key": "stock2"},
    ("PUT", "/api/v1/forms/{key}/"): STOCK,
    ("POST", "/api/v1/forms/{key}/records/"): {"sku": "NEW-1"},
    ("POST", "/api/v1/forms/{key}/records/upsert/"): {"sku": "NEW-2"},
    ("POST", "/api/v1/forms/{key}/records/bulk/"): {"records": [{"sku": "NEW-3"}]},
    ("PUT", "/api/v1/forms/{key}/records/{id}/"): {"sku": "TEE-1"},
    ("PATCH", "/api/v1/forms/{key}/records/{id}/"): {"sku": "TEE-1"},
    ("POST", "/api/v1/forms/{key}/records/{id}/adjust/"): {"field": "available", "delta": 1, "key": "walk"},
    ("POST", "/api/v1/counters/adjust/"): {"adjustments": []},
    ("POST", "/api/v1/forms/{key}/views/"): {"name": "Mine"},
    ("PUT", "/api/v1/forms/{key}/views/{id}/"): {"name": "Mine"},
    ("POST", "/api/v1/flows/"): {**FLOW, "key": "tally2"},
    ("POST", "/api/v1/flows/validate/"): FLOW,
    ("PUT", "/api/v1/flows/{key}/"): FLOW,
    ("POST", "/api/v1/members/"): {"username": "newcomer", "role": "member"},
    ("PATCH", "/api/v1/members/{id}/"): {"role": "builder"},
    ("POST", "/api/v1/tokens/"): {"name": "walk"},
    ("PUT", "/api/v1/workspace/http-allow-list/"): {"http_allow_list": []},
    ("POST", "/api/v1/secrets/"): {"name": "walk-secret", "value": "x"},
    ("PUT", "/api/v1/secrets/{name}/"): {"value": "y"},
    ("POST", "/api/v1/endpoints/"): {"key": "shop2", "form": "stock"},
    ("PUT", "/api/v1/endpoints/{key}/"): {"key": "shop", "form": "stock"},
    ("POST", "/api/v1/endpoints/{key}/deliveries/"): {"status": "failed"},
    ("POST", "/api/v1/channel-accounts/"): {"key": "site2", "adapter": "website"},
    ("PUT", "/api/v1/channel-accounts/{key}/"): {"key": "site", "adapter": "website"},
}


@dataclass(frozen=True)
class Call:
    method: str
    path: str
    role: str

    @property
    def id(self) -> str:
        return f"{self.method} {self.path}"


def table() -> dict[tuple[str, str], str]:
    rows = {}
    for line in TABLE.read_text(encoding="utf-8").splitlines():
        match = ROW.match(line.strip())
        if match:
            rows[(match[1], match[2])] = match[3]
    return rows


def schema_operations() -> set[tuple[str, str]]:
    schema = SchemaGenerator().get_schema(request=None, public=True)
    return {(method.upper(), path) for path, operations in schema["paths"].items()
            for method in operations if method in ("get", "post", "put", "patch", "delete")}


def calls() -> list[Call]:
    """Reads first, then writes, deletes last (a record before its form) so one world serves a whole walk."""
    rows = [Call(method, path, role) for (method, path), role in table().items() if role != "public"]
    order = {"GET": 0, "PUT": 1, "PATCH": 1, "POST": 2, "DELETE": 3}
    return sorted(rows, key=lambda c: (c.path.endswith("/transfer-ownership/"), order[c.method],
                                       -c.path.count("/") if c.method == "DELETE" else 0))


def test_the_table_names_every_operation_of_the_schema_and_nothing_else():
    assert set(table()) == schema_operations()


def test_every_role_in_the_table_is_a_role_or_public():
    assert set(table().values()) <= {*Role.values, "public"}


@pytest.fixture
def world(make, workspace, owner, settings):
    """One workspace holding one of everything, made through its owner's API, and a member of each role."""
    settings.CELERY_TASK_ALWAYS_EAGER = False
    api = make.client(owner)
    assert api.post("/api/v1/forms/", STOCK, format="json").status_code == 201
    record = api.post("/api/v1/forms/stock/records/", {"sku": "TEE-1", "available": 5}, format="json").json()
    view = api.post("/api/v1/forms/stock/views/", {"name": "All"}, format="json").json()
    assert api.post("/api/v1/flows/", FLOW, format="json").status_code == 201
    endpoint = api.post("/api/v1/endpoints/", {"key": "shop", "form": "stock"}, format="json").json()
    assert api.post("/api/v1/channel-accounts/", {"key": "site", "adapter": "website"},
                    format="json").status_code == 201
    run = Run.objects.create(workspace=workspace, flow_id=_flow_id(workspace), flow_version=1, input={},
                             trigger={"type": "manual"})
    stored = Endpoint.objects.get(workspace=workspace, key="shop")
    delivery = Delivery.objects.create(workspace=workspace, endpoint=stored, delivery_id="walk-1", headers={},
                                       body="{}", received_at=timezone.now())
    subscription = Subscription.objects.create(workspace=workspace, key="erp", name="ERP", secret="whsec_x",
                                               url="https://127.0.0.1:9/hook", events=["record.created"])
    message = Message.objects.create(workspace=workspace, subscription=subscription, message_id="msg_walk",
                                     event_type="record.created")
    target = make.member(workspace, Role.MEMBER)
    members = {role: make.member(workspace, role) for role in (Role.MEMBER, Role.BUILDER, Role.ADMIN)}
    members[Role.OWNER] = owner
    _secret(api)
    invited = api.post("/api/v1/members/", {"username": make.user().get_username(), "role": "member"},
                       format="json")
    assert invited.status_code == 202, invited.content
    return {"invitation": invited.json(), "record": record, "view": view, "endpoint": endpoint, "run": run, "delivery": delivery,
            "message": message, "target": target, "members": members, "workspace": workspace}


def _flow_id(workspace) -> int:
    from apps.flows.models import Flow

    return Flow.objects.get(workspace=workspace, key="tally").pk


def _secret(api) -> None:
    api.post("/api/v1/secrets/", {"name": "walk", "value": "s3cret-value"}, format="json")


def _url(path: str, world: dict, caller) -> str:
    values = {"key": "stock", "id": str(world["record"]["id"]), "field": "available", "name": "walk",
              "message_id": world["message"].message_id, "token": "none"}
    if path.startswith("/api/v1/forms/{key}/views/{id}"):
        values["id"] = str(world["view"]["id"])
    elif path.startswith("/api/v1/flows/{key}"):
        values["key"] = "tally"
    elif path.startswith("/api/v1/runs/"):
        values["id"] = str(world["run"].pk)
    elif path.startswith("/api/v1/endpoints/"):
        values["key"] = "shop"
    elif path.startswith("/api/v1/deliveries/"):
        values["id"] = str(world["delivery"].pk)
    elif path.startswith("/api/v1/subscriptions/"):
        values["key"] = "erp"
    elif path.startswith("/api/v1/channel-accounts/"):
        values["key"] = "site"
    elif path.startswith("/api/v1/members/invitations/"):
        values["id"] = str(world["invitation"]["id"])
    elif path.startswith("/api/v1/members/"):
        values["id"] = str(world["target"].pk)
    elif path.startswith("/api/v1/tokens/"):
        values["id"] = str(issue_token(caller, "spare")[0].pk)
    elif path.startswith("/api/v1/invitations/"):
        values["id"] = "0"
    return re.sub(r"\{(\w+)\}", lambda m: values[m[1]], path)


def _send(client, call: Call, url: str):
    body = BODIES.get((call.method, call.path))
    method = getattr(client, call.method.lower())
    if body is None:
        return method(url, format="json") if call.method != "GET" else method(url)
    return method(url, body, format="json")


@pytest.mark.parametrize("role", [Role.MEMBER, Role.BUILDER, Role.ADMIN, Role.OWNER])
def test_each_role_may_do_exactly_what_the_table_says(make, world, role):
    caller = world["members"][role]
    client = make.client(caller)
    wrong = []
    for call in calls():
        allowed = ROLE_RANK[Role(role)] >= ROLE_RANK[Role(call.role)]
        response = _send(client, call, _url(call.path, world, caller))
        status = response.status_code
        if status >= 500 or status == 401 or (status == 403) == allowed:
            wrong.append(f"{call.id}: {status} as {role} (table: {call.role}) {response.content[:160]!r}")
    assert not wrong, "\n".join(wrong)


def test_another_workspace_s_objects_answer_404_to_every_role(make, world):
    stranger_ws = make.workspace("Stranger")
    stranger = make.client(make.owner(stranger_ws))
    wrong = []
    for call in calls():
        if "{" not in call.path or call.path.startswith(("/api/v1/tokens/", "/api/v1/invitations/")):
            continue
        url = _url(call.path, world, world["members"][Role.OWNER])
        response = _send(stranger, call, url)
        if response.status_code != 404:
            wrong.append(f"{call.id}: {response.status_code} {response.content[:160]!r}")
    assert not wrong, "\n".join(wrong)
