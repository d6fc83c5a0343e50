"""The members page changes people only through accounts' services and shows their refusals in place."""

from __future__ import annotations

from django.utils import timezone

from apps.accounts.models import Invitation, Member, Role
from apps.accounts.services import add_or_invite


def test_admins_see_the_members_and_the_pending_invitations(make, workspace, browser):
    admin = make.member(workspace, role=Role.ADMIN)
    invited = make.user("chenjing")
    add_or_invite(workspace, "chenjing", Role.BUILDER, by=make.owner(workspace))
    page = browser(admin).get("/settings/members/").content.decode()
    assert admin.user.username in page and invited.username in page
    assert f'action="/settings/members/{admin.pk}/role/"' in page


def test_members_see_the_list_without_the_controls(make, workspace, browser):
    page = browser(make.member(workspace, role=Role.MEMBER)).get("/settings/members/").content.decode()
    assert make.owner(workspace).user.username in page
    assert "/role/" not in page and "/settings/members/invite/" not in page


def test_an_admin_trying_to_demote_the_owner_sees_why_not(make, workspace, browser):
    owner = make.owner(workspace)
    response = browser(make.member(workspace, role=Role.ADMIN)).post(
        f"/settings/members/{owner.pk}/role/", {"role": Role.MEMBER})
    assert response.status_code == 403
    page = response.content.decode()
    assert f'id="member-{owner.pk}" class="row-error"' in page
    assert "You can only change or remove members whose role is below yours" in page
    assert Member.objects.get(pk=owner.pk).role == Role.OWNER


def test_the_last_owner_cannot_leave(make, workspace, browser):
    owner = make.owner(workspace)
    response = browser(owner).post(f"/settings/members/{owner.pk}/remove/")
    assert response.status_code == 409
    assert "A workspace needs at least one owner" in response.content.decode()
    assert Member.objects.filter(pk=owner.pk).exists()


def test_a_member_cannot_change_roles(make, workspace, browser):
    target = make.member(workspace, role=Role.MEMBER)
    response = browser(make.member(workspace, role=Role.MEMBER)).post(
        f"/settings/members/{target.pk}/role/", {"role": Role.ADMIN})
    assert response.status_code == 403
    assert Member.objects.get(pk=target.pk).role == Role.MEMBER


def test_an_owner_changes_a_role_and_it_is_audited(make, workspace, browser):
    from apps.audit.models import AuditEntry

    target = make.member(workspace, role=Role.MEMBER)
    response = browser(make.owner(workspace)).post(f"/settings/members/{target.pk}/role/", {"role": Role.BUILDER})
    assert (response.status_code, response["Location"]) == (302, "/settings/members/")
    assert Member.objects.get(pk=target.pk).role == Role.BUILDER
    assert AuditEntry.objects.filter(workspace=workspace, action="member.role_changed").exists()


def test_an_admin_removes_a_member(make, workspace, browser):
    target = make.member(workspace, role=Role.BUILDER)
    response = browser(make.member(workspace, role=Role.ADMIN)).post(f"/settings/members/{target.pk}/remove/")
    assert response.status_code == 302
    assert not Member.objects.filter(pk=target.pk).exists()


def test_inviting_an_existing_account_creates_an_invitation(make, workspace, browser):
    person = make.user("lihua")
    response = browser(make.member(workspace, role=Role.ADMIN)).post(
        "/settings/members/invite/", {"username": "lihua", "role": Role.BUILDER})
    assert response.status_code == 302
    invitation = Invitation.objects.get(workspace=workspace, invitee=person)
    assert (invitation.role, invitation.state) == (Role.BUILDER, Invitation.State.PENDING)
    assert not Member.objects.filter(workspace=workspace, user=person).exists()


def test_an_invitation_above_ones_own_role_is_refused_under_the_field(make, workspace, browser):
    make.user("lihua")
    response = browser(make.member(workspace, role=Role.ADMIN)).post(
        "/settings/members/invite/", {"username": "lihua", "role": Role.OWNER})
    assert response.status_code == 400
    page = response.content.decode()
    assert 'id="invite-role-errors"' in page and "cannot be above your own role" in page
    assert 'value="lihua"' in page
    assert not Invitation.objects.filter(workspace=workspace).exists()


def test_an_empty_username_is_reported_under_the_field(make, workspace, browser):
    response = browser(make.owner(workspace)).post("/settings/members/invite/", {"username": " ", "role": "member"})
    assert response.status_code == 400
    assert 'id="invite-username-errors"' in response.content.decode()


def test_an_admin_revokes_a_pending_invitation(make, workspace, browser):
    make.user("lihua")
    invitation = add_or_invite(workspace, "lihua", Role.MEMBER, by=make.owner(workspace))
    response = browser(make.member(workspace, role=Role.ADMIN)).post(
        f"/settings/invitations/{invitation.pk}/revoke/")
    assert response.status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.REVOKED


def test_another_workspaces_members_and_invitations_never_show(make, workspace, browser):
    other = make.workspace("Other shop")
    stranger = make.member(other, role=Role.MEMBER, user=make.user("stranger-in-other"))
    make.user("invited-elsewhere")
    elsewhere = add_or_invite(other, "invited-elsewhere", Role.MEMBER, by=make.owner(other))
    client = browser(make.owner(workspace))
    page = client.get("/settings/members/").content.decode()
    assert "stranger-in-other" not in page and "invited-elsewhere" not in page
    assert client.post(f"/settings/members/{stranger.pk}/role/", {"role": Role.ADMIN}).status_code == 404
    assert client.post(f"/settings/members/{stranger.pk}/remove/").status_code == 404
    assert client.post(f"/settings/invitations/{elsewhere.pk}/revoke/").status_code == 404
    assert Member.objects.get(pk=stranger.pk).role == Role.MEMBER


def test_the_invited_person_accepts_and_lands_in_the_workspace(make, workspace, browser):
    person = make.user("lihua")
    invitation = add_or_invite(workspace, "lihua", Role.BUILDER, by=make.owner(workspace))
    client = browser(make.owner(make.workspace("Own shop", owner=person)))
    assert workspace.name in client.get("/invitations/").content.decode()
    response = client.post(f"/invitations/{invitation.pk}/accept/")
    assert (response.status_code, response["Location"]) == (302, "/")
    assert Member.objects.get(workspace=workspace, user=person).role == Role.BUILDER
    assert client.session["workspace"] == workspace.slug


def test_the_invited_person_declines(make, workspace, browser):
    person = make.user("lihua")
    invitation = add_or_invite(workspace, "lihua", Role.BUILDER, by=make.owner(workspace))
    client = browser(make.owner(make.workspace("Own shop", owner=person)))
    assert client.post(f"/invitations/{invitation.pk}/decline/").status_code == 302
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.DECLINED


def test_nobody_answers_someone_elses_invitation(make, workspace, browser):
    make.user("lihua")
    invitation = add_or_invite(workspace, "lihua", Role.BUILDER, by=make.owner(workspace))
    client = browser(make.owner(make.workspace("Own shop")))
    assert client.post(f"/invitations/{invitation.pk}/accept/").status_code == 404
    invitation.refresh_from_db()
    assert invitation.state == Invitation.State.PENDING


def test_an_expired_invitation_is_no_longer_offered(make, workspace, browser):
    person = make.user("lihua")
    invitation = add_or_invite(workspace, "lihua", Role.BUILDER, by=make.owner(workspace))
    Invitation.objects.filter(pk=invitation.pk).update(expires_at=timezone.now())
    client = browser(make.owner(make.workspace("Own shop", owner=person)))
    assert workspace.name not in client.get("/invitations/").content.decode()
    response = client.post(f"/invitations/{invitation.pk}/accept/")
    assert response.status_code == 409
    assert "already accepted, declined, revoked, or has expired" in response.content.decode()
