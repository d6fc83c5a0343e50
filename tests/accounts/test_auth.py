from __future__ import annotations

from rest_framework.test import APIClient

from apps.accounts.models import ApiToken, Role
from apps.accounts.services import issue_token, revoke_token

FORM = {"key": "t", "name": "T", "fields": [{"key": "a", "type": "text"}]}


def test_no_credentials_answers_401(db):
    response = APIClient().get("/api/v1/forms/")
    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_bad_and_revoked_tokens(make, owner):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Bearer weft_nope")
    assert client.get("/api/v1/forms/").status_code == 401
    token, raw = issue_token(owner, "x")
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/forms/").status_code == 200
    revoke_token(token)
    assert client.get("/api/v1/forms/").status_code == 401


def test_only_the_hash_is_stored(owner):
    token, raw = issue_token(owner, "x")
    assert raw not in {token.key_hash, token.hint} and ApiToken.objects.get(pk=token.pk).key_hash != raw


def test_members_use_forms_builders_define_them(make, workspace):
    member = make.client(make.member(workspace, role=Role.MEMBER))
    builder = make.client(make.member(workspace, role=Role.BUILDER))
    assert member.post("/api/v1/forms/", FORM, format="json").status_code == 403
    assert builder.post("/api/v1/forms/", FORM, format="json").status_code == 201
    assert member.post("/api/v1/forms/t/records/", {"a": "x"}, format="json").status_code == 201
    assert member.get("/api/v1/audit/").status_code == 403


def test_only_admins_add_members(make, workspace):
    builder = make.client(make.member(workspace, role=Role.BUILDER))
    admin = make.client(make.member(workspace, role=Role.ADMIN))
    assert builder.post("/api/v1/members/", {"username": "li"}, format="json").status_code == 403
    created = admin.post("/api/v1/members/", {"username": "li", "role": "builder"}, format="json")
    assert created.status_code == 201 and created.json()["role"] == "builder"
    assert admin.post("/api/v1/members/", {"username": "wang", "role": "owner"}, format="json").status_code == 400


def test_tokens_endpoint_issues_and_revokes(api):
    created = api.post("/api/v1/tokens/", {"name": "erp"}, format="json").json()
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {created['token']}")
    assert client.get("/api/v1/workspace/").status_code == 200
    assert api.delete(f"/api/v1/tokens/{created['id']}/").status_code == 204
    assert client.get("/api/v1/workspace/").status_code == 401
