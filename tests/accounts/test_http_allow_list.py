"""The workspace's HTTP allow-list through the API: who may read and set it, and how entries are checked."""

from __future__ import annotations

import pytest

from apps.accounts.models import Role, Workspace
from apps.accounts.services import http_allow_list
from apps.audit.models import AuditEntry

URL = "/api/v1/workspace/http-allow-list/"


def test_owner_sets_and_reads_the_list_in_its_canonical_spelling(api, workspace, owner):
    assert api.get(URL).json() == {"http_allow_list": []}

    response = api.put(URL, {"http_allow_list": ["ERP.Corp.Example.", "10.1.2.3/8", "[FD00::1]:8443",
                                                 "*.corp.example:443", "erp.corp.example"]}, format="json")

    expected = ["erp.corp.example", "10.0.0.0/8", "[fd00::1]:8443", "*.corp.example:443"]
    assert response.status_code == 200, response.json()
    assert response.json() == {"http_allow_list": expected}
    assert api.get(URL).json() == {"http_allow_list": expected}
    workspace.refresh_from_db()
    assert workspace.http_allow_list == expected
    entry = AuditEntry.objects.get(workspace=workspace, action="workspace.http_allow_list")
    assert entry.actor == owner and entry.diff == {"before": [], "after": expected}


def test_an_invalid_entry_is_named_by_its_index_and_nothing_changes(api, workspace):
    api.put(URL, {"http_allow_list": ["localhost"]}, format="json")

    response = api.put(URL, {"http_allow_list": ["ok.example", "10.0.0.0/8", "not a host", "127.1", 5,
                                                 "erp.example:70000"]}, format="json")

    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "validation_failed"
    assert set(body["errors"]) == {"http_allow_list[2]", "http_allow_list[3]", "http_allow_list[4]",
                                   "http_allow_list[5]"}
    assert "not a host" in body["errors"]["http_allow_list[2]"][0]
    assert "port" in body["errors"]["http_allow_list[5]"][0]
    assert http_allow_list(workspace) == ["localhost"]


@pytest.mark.parametrize("body", [{"http_allow_list": "localhost"}, {"http_allow_list": None}, {}])
def test_the_list_must_be_a_list(api, body):
    response = api.put(URL, body, format="json")
    assert response.status_code == 400 and "http_allow_list" in response.json()["errors"]


@pytest.mark.parametrize(("role", "reads", "writes"), [
    (Role.MEMBER, 403, 403), (Role.BUILDER, 200, 403), (Role.ADMIN, 200, 200), (Role.OWNER, 200, 200),
])
def test_roles(make, workspace, role, reads, writes):
    client = make.client(make.member(workspace, role=role))

    assert client.get(URL).status_code == reads
    assert client.put(URL, {"http_allow_list": ["erp.corp.example"]}, format="json").status_code == writes
    assert http_allow_list(workspace) == (["erp.corp.example"] if writes == 200 else [])


def test_another_workspace_is_unaffected(api, make, workspace):
    other = make.workspace()
    other_client = make.client(make.owner(other))
    other_client.put(URL, {"http_allow_list": ["10.9.0.0/16"]}, format="json")

    assert api.put(URL, {"http_allow_list": ["localhost:8080"]}, format="json").status_code == 200

    assert other_client.get(URL).json() == {"http_allow_list": ["10.9.0.0/16"]}
    assert api.get(URL).json() == {"http_allow_list": ["localhost:8080"]}
    assert Workspace.objects.get(pk=other.pk).http_allow_list == ["10.9.0.0/16"]
