"""What can go wrong with workspaces, members and invitations, each with a message a person can act on."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, PermissionDenied


class WorkspaceNotChosen(PermissionDenied):
    code = "workspace_not_chosen"
    default_message = _(
        "You belong to several workspaces and none is chosen: choose one with "
        'POST /api/v1/session/workspace/ {"workspace": "<slug>"} (GET /api/v1/workspaces/ lists them), '
        "or send the X-Weft-Workspace header with each request."
    )


class TokenFixesWorkspace(Conflict):
    code = "token_fixes_workspace"
    default_message = _(
        "An API token always works in its own workspace; choose a workspace in a signed-in session, "
        "or use a token of the other workspace."
    )


class AlreadyMember(Conflict):
    code = "already_member"
    default_message = _(
        "This person is already a member of the workspace; to change their role use "
        'PATCH /api/v1/members/<id>/ {"role": "..."}.'
    )


class AlreadyInvited(Conflict):
    code = "already_invited"
    default_message = _(
        "This person already has a pending invitation to the workspace; revoke it first "
        "(DELETE /api/v1/members/invitations/<id>/) to invite them with another role."
    )


class MemberOutOfReach(PermissionDenied):
    code = "member_out_of_reach"
    default_message = _(
        "You can only change or remove members whose role is below yours; an owner can manage anyone."
    )


class LastOwner(Conflict):
    code = "last_owner"
    default_message = _(
        "A workspace needs at least one owner: make another member owner first "
        "(POST /api/v1/members/<id>/transfer-ownership/)."
    )


class InvitationNotPending(Conflict):
    code = "invitation_not_pending"
    default_message = _("This invitation was already accepted, declined, revoked, or has expired.")

