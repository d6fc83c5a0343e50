"""Role changes and removals follow rank: nobody climbs above their role or reaches one at or above it."""

from __future__ import annotations

import threading

import pytest
from django.db import connection

from apps.accounts import services
from apps.accounts.errors import LastOwner
from apps.accounts.models import ApiToken, Member, Role
from apps.audit.models import AuditEntry


@pytest.fixture
def staff(make, workspace, owner):
    """An owner, an admin, a builder and a member of one workspace, each with an API client."""
    members = {Role.OWNER: owner}
    members.update({role: make.member(workspace, role=role) for role in (Role.ADMIN, Role.BUILDER, Role.MEMBER)})
    return {role: make.client(member) for role, member in members.items()}


def _id(staff, role) -> int:
    return staff[role].member.pk


def _role(member_id: int) -> str:
    return Member.objects.get(pk=member_id).role


def test_adding_an_existing_member_never_changes_their_role(staff):
    owner = staff[Role.OWNER].member.user.get_username()
    response = staff[Role.ADMIN].post("/api/v1/members/", {"username": owner, "role": "member"}, format="json")
    assert response.status_code == 409
    assert response.json()["code"] == "already_member"
    assert "PATCH /api/v1/members/" in response.json()["errors"]["non_field_errors"][0]
    assert _role(_id(staff, Role.OWNER)) == Role.OWNER


def test_an_admin_can_neither_demote_nor_remove_the_owner(staff):
    url = f"/api/v1/members/{_id(staff, Role.OWNER)}/"
    demoted = staff[Role.ADMIN].patch(url, {"role": "member"}, format="json")
    assert demoted.status_code == 403 and demoted.json()["code"] == "member_out_of_reach"
    assert staff[Role.ADMIN].delete(url).status_code == 403
    assert _role(_id(staff, Role.OWNER)) == Role.OWNER


def test_an_admin_cannot_touch_another_admin(make, workspace, staff):
    other = make.member(workspace, role=Role.ADMIN)
    assert staff[Role.ADMIN].patch(f"/api/v1/members/{other.pk}/", {"role": "member"},
                                   format="json").status_code == 403
    assert staff[Role.ADMIN].delete(f"/api/v1/members/{other.pk}/").status_code == 403
    assert _role(other.pk) == Role.ADMIN


def test_an_admin_changes_roles_below_their_own_but_never_grants_one_above_it(staff):
    url = f"/api/v1/members/{_id(staff, Role.MEMBER)}/"
    assert staff[Role.ADMIN].patch(url, {"role": "builder"}, format="json").json()["role"] == "builder"
    above = staff[Role.ADMIN].patch(url, {"role": "owner"}, format="json")
    assert above.status_code == 400 and "role" in above.json()["errors"]
    assert _role(_id(staff, Role.MEMBER)) == Role.BUILDER


def test_an_admin_cannot_promote_themselves(staff):
    response = staff[Role.ADMIN].patch(f"/api/v1/members/{_id(staff, Role.ADMIN)}/", {"role": "owner"},
                                       format="json")
    assert response.status_code == 403
    assert _role(_id(staff, Role.ADMIN)) == Role.ADMIN


def test_builders_and_members_manage_nobody(staff):
    for role in (Role.BUILDER, Role.MEMBER):
        url = f"/api/v1/members/{_id(staff, Role.MEMBER if role == Role.BUILDER else Role.BUILDER)}/"
        assert staff[role].patch(url, {"role": "member"}, format="json").status_code == 403
        assert staff[role].delete(url).status_code == 403


def test_an_unknown_role_is_refused(staff):
    response = staff[Role.OWNER].patch(f"/api/v1/members/{_id(staff, Role.MEMBER)}/", {"role": "god"},
                                       format="json")
    assert response.status_code == 400 and "role" in response.json()["errors"]


def test_an_owner_demotes_another_owner_but_never_the_last(make, workspace, staff):
    second = make.member(workspace, role=Role.OWNER)
    me = staff[Role.OWNER]
    assert me.patch(f"/api/v1/members/{second.pk}/", {"role": "admin"}, format="json").status_code == 200
    last = me.patch(f"/api/v1/members/{me.member.pk}/", {"role": "admin"}, format="json")
    assert last.status_code == 409 and last.json()["code"] == "last_owner"
    assert "transfer-ownership" in last.json()["errors"]["non_field_errors"][0]
    assert _role(me.member.pk) == Role.OWNER


def test_the_last_owner_can_neither_leave_nor_be_removed(make, workspace, staff):
    me = staff[Role.OWNER]
    assert me.delete(f"/api/v1/members/{me.member.pk}/").status_code == 409
    assert Member.objects.filter(pk=me.member.pk).exists()


def test_a_member_leaves_and_their_tokens_go_with_them(staff):
    member = staff[Role.MEMBER]
    assert member.delete(f"/api/v1/members/{member.member.pk}/").status_code == 204
    assert not Member.objects.filter(pk=member.member.pk).exists()
    assert not ApiToken.objects.filter(member_id=member.member.pk).exists()
    assert member.get("/api/v1/workspace/").status_code == 401


def test_an_admin_removes_a_builder(staff):
    assert staff[Role.ADMIN].delete(f"/api/v1/members/{_id(staff, Role.BUILDER)}/").status_code == 204
    assert not Member.objects.filter(pk=_id(staff, Role.BUILDER)).exists()


def test_ownership_moves_in_one_step_and_only_from_an_owner(staff):
    url = f"/api/v1/members/{_id(staff, Role.BUILDER)}/transfer-ownership/"
    assert staff[Role.ADMIN].post(url).status_code == 403
    response = staff[Role.OWNER].post(url)
    assert response.status_code == 200
    assert response.json()["owner"]["role"] == "owner" and response.json()["me"]["role"] == "admin"
    assert _role(_id(staff, Role.BUILDER)) == Role.OWNER
    assert _role(_id(staff, Role.OWNER)) == Role.ADMIN


def test_ownership_cannot_be_transferred_to_oneself(staff):
    me = staff[Role.OWNER]
    assert me.post(f"/api/v1/members/{me.member.pk}/transfer-ownership/").status_code == 400
    assert _role(me.member.pk) == Role.OWNER


def test_a_member_of_another_workspace_answers_404(make, staff):
    stranger = make.owner(make.workspace("Elsewhere"))
    assert staff[Role.OWNER].patch(f"/api/v1/members/{stranger.pk}/", {"role": "member"},
                                   format="json").status_code == 404
    assert staff[Role.OWNER].delete(f"/api/v1/members/{stranger.pk}/").status_code == 404
    assert staff[Role.OWNER].post(f"/api/v1/members/{stranger.pk}/transfer-ownership/").status_code == 404
    assert _role(stranger.pk) == Role.OWNER


def test_every_change_is_audited_with_before_and_after(staff, workspace):
    target = _id(staff, Role.MEMBER)
    staff[Role.ADMIN].patch(f"/api/v1/members/{target}/", {"role": "builder"}, format="json")
    staff[Role.ADMIN].delete(f"/api/v1/members/{target}/")
    staff[Role.OWNER].post(f"/api/v1/members/{_id(staff, Role.BUILDER)}/transfer-ownership/")
    entries = {e.action: e for e in AuditEntry.objects.filter(workspace=workspace)}
    changed = entries["member.role_changed"]
    assert changed.actor_id == _id(staff, Role.ADMIN) and changed.object_id == str(target)
    assert changed.diff["before"] == {"role": "member"} and changed.diff["after"] == {"role": "builder"}
    assert entries["member.removed"].diff["before"] == {"role": "builder"}
    assert entries["member.ownership_received"].diff["after"] == {"role": "owner"}
    assert entries["member.ownership_given"].diff == {
        "username": staff[Role.OWNER].member.user.get_username(),
        "before": {"role": "owner"}, "after": {"role": "admin"}}


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True)
def test_two_owners_stepping_down_at_once_leave_one_owner(make, monkeypatch):
    workspace = make.workspace("Race")
    first = make.owner(workspace)
    second = make.member(workspace, role=Role.OWNER)
    lock_members = services._lock_members
    outcomes: list = []
    other = threading.Thread(target=_step_down, args=(workspace, second, outcomes))

    def lock_then_let_the_other_try(*args, **kwargs):
        locked = lock_members(*args, **kwargs)
        if threading.current_thread() is not other and not other.is_alive() and not outcomes:
            other.start()
            other.join(timeout=1)  # it waits for our locks; without them it would finish here
        return locked

    monkeypatch.setattr(services, "_lock_members", lock_then_let_the_other_try)
    services.change_member_role(workspace, first.pk, Role.ADMIN, by=first)
    other.join(timeout=30)
    assert not other.is_alive()
    assert [type(o) for o in outcomes] == [LastOwner]
    owners = Member.objects.filter(workspace=workspace, role=Role.OWNER).values_list("pk", flat=True)
    assert list(owners) == [second.pk]


def _step_down(workspace, member, outcomes: list) -> None:
    try:
        services.change_member_role(workspace, member.pk, Role.ADMIN, by=member)
        outcomes.append("stepped down")
    except Exception as exc:  # reported to the test
        outcomes.append(exc)
    finally:
        connection.close()
