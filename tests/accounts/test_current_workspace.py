"""The workspace a browser session works in is chosen, remembered and shown; it is never guessed."""

from __future__ import annotations

import pytest
from rest_framework.test import APIClient

from apps.accounts.models import Member, Role
from apps.accounts.permissions import SESSION_KEY
from apps.forms.models import Form

FORM = {"key": "notes", "name": "Notes", "fields": [{"key": "text", "type": "text"}]}


@pytest.fixture
def person(make):
    return make.user()


@pytest.fixture
def two_workspaces(make, person):
    """An older workspace someone else owns that invited the person, and the person's own newer one."""
    older = make.workspace("Older")
    make.member(older, user=person, role=Role.ADMIN)
    return older, make.workspace("Mine", owner=person)


def _signed_in(user, **kwargs) -> APIClient:
    client = APIClient(**kwargs)
    client.force_login(user)
    return client


def test_with_several_workspaces_and_none_chosen_the_request_is_refused(two_workspaces, person):
    older, _mine = two_workspaces
    client = _signed_in(person)
    response = client.post("/api/v1/forms/", FORM, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "workspace_not_chosen"
    assert "/api/v1/session/workspace/" in response.json()["errors"]["non_field_errors"][0]
    assert not Form.objects.filter(workspace=older).exists()


def test_with_one_workspace_no_choice_is_needed(make, workspace, owner):
    assert _signed_in(owner.user).get("/api/v1/workspace/").json()["slug"] == workspace.slug


def test_the_chosen_workspace_is_remembered(two_workspaces, person):
    _older, mine = two_workspaces
    client = _signed_in(person)
    chosen = client.post("/api/v1/session/workspace/", {"workspace": mine.slug}, format="json")
    assert chosen.status_code == 200 and chosen.json()["workspace"]["slug"] == mine.slug
    assert client.get("/api/v1/workspace/").json()["slug"] == mine.slug
    assert client.post("/api/v1/forms/", FORM, format="json").status_code == 201
    assert Form.objects.get(key="notes").workspace_id == mine.pk


def test_only_a_workspace_of_ones_own_can_be_chosen(make, two_workspaces, person):
    _older, mine = two_workspaces
    client = _signed_in(person)
    client.post("/api/v1/session/workspace/", {"workspace": mine.slug}, format="json")
    foreign = make.workspace("Foreign")
    assert client.post("/api/v1/session/workspace/", {"workspace": foreign.slug},
                       format="json").status_code == 404
    assert client.post("/api/v1/session/workspace/", {}, format="json").status_code == 400
    assert client.get("/api/v1/workspace/").json()["slug"] == mine.slug


def test_choosing_needs_the_csrf_token_of_the_session(two_workspaces, person):
    _older, mine = two_workspaces
    client = _signed_in(person, enforce_csrf_checks=True)
    assert client.post("/api/v1/session/workspace/", {"workspace": mine.slug}, format="json").status_code == 403


def test_the_workspaces_list_marks_the_current_one(two_workspaces, person):
    older, mine = two_workspaces
    client = _signed_in(person)
    listing = client.get("/api/v1/workspaces/").json()
    assert listing["current"] is None
    assert sorted((w["slug"], w["role"], w["current"]) for w in listing["results"]) == sorted(
        [(older.slug, "admin", False), (mine.slug, "owner", False)])
    client.post("/api/v1/session/workspace/", {"workspace": older.slug}, format="json")
    listing = client.get("/api/v1/workspaces/").json()
    assert listing["current"] == older.slug
    assert [w["slug"] for w in listing["results"] if w["current"]] == [older.slug]


def test_a_choice_that_is_no_longer_a_membership_is_forgotten(two_workspaces, person):
    older, mine = two_workspaces
    client = _signed_in(person)
    client.post("/api/v1/session/workspace/", {"workspace": older.slug}, format="json")
    Member.objects.filter(workspace=older, user=person).delete()
    response = client.get("/api/v1/workspace/")
    assert response.status_code == 200 and response.json()["slug"] == mine.slug
    assert SESSION_KEY not in client.session


def test_the_header_still_names_the_workspace_for_each_request(two_workspaces, person):
    older, mine = two_workspaces
    client = _signed_in(person)
    client.post("/api/v1/session/workspace/", {"workspace": mine.slug}, format="json")
    assert client.get("/api/v1/workspace/", HTTP_X_WEFT_WORKSPACE=older.slug).json()["slug"] == older.slug


def test_a_token_keeps_its_own_workspace(make, two_workspaces, person):
    older, mine = two_workspaces
    client = make.client(Member.objects.get(workspace=older, user=person))
    response = client.post("/api/v1/session/workspace/", {"workspace": mine.slug}, format="json")
    assert response.status_code == 409 and response.json()["code"] == "token_fixes_workspace"
    listing = client.get("/api/v1/workspaces/").json()
    assert listing["current"] == older.slug and [w["slug"] for w in listing["results"]] == [older.slug]
    assert client.get("/api/v1/workspace/").json()["slug"] == older.slug
