"""Nobody joins a workspace unasked: an existing account is invited and decides for itself."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.contrib.auth import get_user_model
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.models import Invitation, Member, Role
from apps.audit.models import AuditEntry


def _signed_in(user) -> APIClient:
    client = APIClient()
    client.force_login(user)
    return client


@pytest.fixture
def admin(make, workspace):
    return make.client(make.member(workspace, role=Role.ADMIN))


@pytest.fixture
def someone(make):
    """A person who works in another workspace of the same installation."""
    return make.owner(make.workspace("Their own shop")).user


def _invite(admin, user, role: str = "builder"):
    return admin.post("/api/v1/members/", {"username": user.get_username(), "role": role}, format="json")


def test_adding_an_existing_account_invites_it_instead_of_making_it_a_member(admin, workspace, someone):
    response = _invite(admin, someone)
    assert response.status_code == 202
    body = response.json()
    assert body["username"] == someone.get_username() and body["role"] == "builder" and body["state"] == "pending"
    assert "Their own shop" not in response.content.decode() and "workspace" not in body
    assert not Member.objects.filter(workspace=workspace, user=someone).exists()


def test_a_new_username_becomes_an_account_and_a_member_at_once(admin, workspace):
    response = admin.post("/api/v1/members/", {"username": "xiao.li", "role": "builder"}, format="json")
    assert response.status_code == 201 and response.json()["role"] == "builder"
    user = get_user_model().objects.get(username="xiao.li")
    assert not user.has_usable_password()
    assert Member.objects.get(workspace=workspace, user=user).role == Role.BUILDER
    assert AuditEntry.objects.filter(workspace=workspace, action="member.added").exists()


def test_a_username_that_is_not_valid_is_refused(admin):
    response = admin.post("/api/v1/members/", {"username": "no spaces <here>"}, format="json")
    assert response.status_code == 400 and "username" in response.json()["errors"]


def test_the_invitee_sees_the_invitation_and_joins_with_its_role(admin, workspace, someone):
    invitation = _invite(admin, someone).json()
    client = _signed_in(someone)
    listed = client.get("/api/v1/invitations/").json()["results"]
    assert [(i["id"], i["workspace"]["slug"], i["role"]) for i in listed] == [
        (invitation["id"], workspace.slug, "builder")]
    joined = client.post(f"/api/v1/invitations/{invitation['id']}/accept/")
    assert joined.status_code == 200 and joined.json()["workspace"]["slug"] == workspace.slug
    assert Member.objects.get(workspace=workspace, user=someone).role == Role.BUILDER
    assert Invitation.objects.get(pk=invitation["id"]).state == "accepted"
    assert client.get("/api/v1/invitations/").json()["results"] == []
    assert AuditEntry.objects.filter(workspace=workspace, action="invitation.accepted").exists()


def test_an_invitation_is_answered_once(admin, someone):
    invitation = _invite(admin, someone).json()
    client = _signed_in(someone)
    assert client.post(f"/api/v1/invitations/{invitation['id']}/decline/").status_code == 200
    again = client.post(f"/api/v1/invitations/{invitation['id']}/accept/")
    assert again.status_code == 409 and again.json()["code"] == "invitation_not_pending"


def test_declining_leaves_the_person_out(admin, workspace, someone):
    invitation = _invite(admin, someone).json()
    response = _signed_in(someone).post(f"/api/v1/invitations/{invitation['id']}/decline/")
    assert response.json()["state"] == "declined"
    assert not Member.objects.filter(workspace=workspace, user=someone).exists()
    entry = AuditEntry.objects.get(workspace=workspace, action="invitation.declined")
    assert entry.diff["before"] == {"state": "pending"} and entry.diff["after"] == {"state": "declined"}


def test_only_the_invitee_answers_an_invitation(make, admin, workspace, someone):
    invitation = _invite(admin, someone).json()
    intruder = _signed_in(make.owner(make.workspace("Intruder")).user)
    assert intruder.post(f"/api/v1/invitations/{invitation['id']}/accept/").status_code == 404
    assert intruder.get("/api/v1/invitations/").json()["results"] == []
    assert not Member.objects.filter(workspace=workspace, user=intruder.session["_auth_user_id"]).exists()


def test_inviting_again_while_pending_is_a_conflict(admin, someone):
    first = _invite(admin, someone).json()
    again = _invite(admin, someone, role="admin")
    assert again.status_code == 409 and again.json()["code"] == "already_invited"
    assert again.json()["invitation"] == first["id"]


def test_admins_see_pending_invitations_in_the_members_listing_and_members_do_not(make, admin, workspace,
                                                                                  someone):
    invitation = _invite(admin, someone).json()
    listing = admin.get("/api/v1/members/").json()
    assert [i["id"] for i in listing["invitations"]] == [invitation["id"]]
    member = make.client(make.member(workspace, role=Role.MEMBER))
    assert "invitations" not in member.get("/api/v1/members/").json()


def test_an_admin_revokes_a_pending_invitation(admin, workspace, someone):
    invitation = _invite(admin, someone).json()
    assert admin.delete(f"/api/v1/members/invitations/{invitation['id']}/").status_code == 204
    assert admin.get("/api/v1/members/").json()["invitations"] == []
    client = _signed_in(someone)
    assert client.get("/api/v1/invitations/").json()["results"] == []
    assert client.post(f"/api/v1/invitations/{invitation['id']}/accept/").status_code == 409
    assert AuditEntry.objects.filter(workspace=workspace, action="invitation.revoked").exists()


def test_an_admin_cannot_revoke_an_invitation_to_become_owner(make, workspace, owner, admin, someone):
    invitation = _invite(make.client(owner), someone, role="owner").json()
    assert admin.delete(f"/api/v1/members/invitations/{invitation['id']}/").status_code == 403
    builder = make.client(make.member(workspace, role=Role.BUILDER))
    assert builder.delete(f"/api/v1/members/invitations/{invitation['id']}/").status_code == 403
    assert Invitation.objects.get(pk=invitation["id"]).state == "pending"


def test_another_workspace_cannot_revoke_an_invitation(make, admin, someone):
    invitation = _invite(admin, someone).json()
    stranger = make.client(make.owner(make.workspace("Stranger")))
    assert stranger.delete(f"/api/v1/members/invitations/{invitation['id']}/").status_code == 404


def test_an_expired_invitation_cannot_be_accepted_and_a_new_one_may_be_sent(admin, workspace, someone):
    invitation = _invite(admin, someone).json()
    Invitation.objects.filter(pk=invitation["id"]).update(expires_at=timezone.now() - timedelta(seconds=1))
    client = _signed_in(someone)
    assert client.get("/api/v1/invitations/").json()["results"] == []
    assert client.post(f"/api/v1/invitations/{invitation['id']}/accept/").status_code == 409
    assert _invite(admin, someone).status_code == 202
    assert Invitation.objects.get(pk=invitation["id"]).state == "expired"


def test_an_invitee_with_several_workspaces_lists_invitations_without_choosing_one(make, admin, someone):
    make.member(make.workspace("A third shop"), user=someone, role=Role.MEMBER)
    _invite(admin, someone)
    response = _signed_in(someone).get("/api/v1/invitations/")
    assert response.status_code == 200 and len(response.json()["results"]) == 1
