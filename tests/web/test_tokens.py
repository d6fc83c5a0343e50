"""A member's API tokens: the raw token is shown once, listed by its hint after, and revocable."""

from __future__ import annotations

from apps.accounts.models import ApiToken, Role
from apps.accounts.services import issue_token, resolve_token


def test_a_new_token_is_shown_once_and_works(make, workspace, browser):
    client = browser(make.member(workspace, role=Role.MEMBER))
    response = client.post("/settings/tokens/", {"name": "scanner"})
    assert response.status_code == 201
    assert response["Cache-Control"] == "no-store"
    token = ApiToken.objects.get(member=client.member, name="scanner")
    page = response.content.decode()
    raw = page.split('id="new-token" x-ref="source">', 1)[1].split("<", 1)[0]
    assert raw.startswith(token.hint) and resolve_token(raw) == token
    again = client.get("/settings/tokens/").content.decode()
    assert raw not in again and token.hint in again


def test_a_token_needs_a_name(make, workspace, browser):
    client = browser(make.owner(workspace))
    response = client.post("/settings/tokens/", {"name": ""})
    assert response.status_code == 400
    assert 'id="token-name-errors"' in response.content.decode()
    assert not ApiToken.objects.filter(member=client.member).exists()


def test_revoking_a_token_stops_it(make, workspace, browser):
    member = make.member(workspace, role=Role.MEMBER)
    token, raw = issue_token(member, "scanner")
    response = browser(member).post(f"/settings/tokens/{token.pk}/revoke/")
    assert response.status_code == 302
    assert resolve_token(raw) is None


def test_only_ones_own_tokens_show_and_can_be_revoked(make, workspace, browser):
    colleague = make.member(workspace, role=Role.MEMBER)
    theirs, raw = issue_token(colleague, "colleague-token")
    elsewhere, _ = issue_token(make.owner(make.workspace("Other shop")), "other-workspace-token")
    client = browser(make.owner(workspace))
    page = client.get("/settings/tokens/").content.decode()
    assert "colleague-token" not in page and "other-workspace-token" not in page
    assert client.post(f"/settings/tokens/{theirs.pk}/revoke/").status_code == 404
    assert client.post(f"/settings/tokens/{elsewhere.pk}/revoke/").status_code == 404
    assert resolve_token(raw) == theirs
