"""Who may open which page: signed-out people sign in first, and a workspace must be chosen."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.accounts.models import Role
from apps.accounts.permissions import SESSION_KEY

PAGES = ["/", "/settings/members/", "/settings/tokens/", "/invitations/", "/workspaces/", "/password/", "/me/"]


@pytest.mark.parametrize("path", PAGES)
def test_signed_out_people_are_sent_to_sign_in(db, path):
    response = Client().get(path)
    assert response.status_code == 302
    assert response["Location"].startswith("/login/?next=")


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize("role", [Role.MEMBER, Role.BUILDER, Role.ADMIN, Role.OWNER])
def test_every_role_opens_the_pages(make, workspace, browser, path, role):
    assert browser(make.member(workspace, role=role)).get(path).status_code == 200


def test_someone_with_several_workspaces_and_none_chosen_is_offered_the_picker(make, workspace, browser):
    owner = make.owner(workspace)
    other = make.workspace("Other shop", owner=owner.user)
    client = browser(owner, choose=False)
    response = client.get("/settings/members/")
    assert response.status_code == 302
    assert response["Location"] == "/workspaces/?next=%2Fsettings%2Fmembers%2F"
    picker = client.get(response["Location"])
    assert picker.status_code == 200
    assert workspace.name in picker.content.decode() and other.name in picker.content.decode()


def test_switching_remembers_the_workspace_and_returns_where_one_was(make, workspace, browser):
    owner = make.owner(workspace)
    other = make.workspace("Other shop", owner=owner.user)
    client = browser(owner, choose=False)
    response = client.post(f"/w/{other.slug}/switch/", {"next": "/settings/members/"})
    assert (response.status_code, response["Location"]) == (302, "/settings/members/")
    assert client.session[SESSION_KEY] == other.slug
    assert "Other shop" in client.get("/").content.decode()


def test_switching_to_a_workspace_one_is_not_in_is_refused(make, workspace, browser):
    stranger = make.workspace("Not yours")
    client = browser(make.owner(workspace))
    assert client.post(f"/w/{stranger.slug}/switch/").status_code == 404
    assert client.session[SESSION_KEY] == workspace.slug


def test_switching_sends_nobody_to_another_site(make, workspace, browser):
    client = browser(make.owner(workspace))
    response = client.post(f"/w/{workspace.slug}/switch/", {"next": "https://evil.example/"})
    assert response["Location"] == "/"


def test_switching_needs_a_post(make, workspace, browser):
    assert browser(make.owner(workspace)).get(f"/w/{workspace.slug}/switch/").status_code == 405


def test_someone_without_a_workspace_sees_what_to_do(make, browser):
    client = Client()
    client.force_login(make.user())
    response = client.get("/")
    assert (response.status_code, response["Location"]) == (302, "/workspaces/")
    page = client.get("/workspaces/")
    assert page.status_code == 200
    assert "not in any workspace yet" in page.content.decode()
