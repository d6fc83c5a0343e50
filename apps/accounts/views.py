"""Workspace, member and token endpoints."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.core.errors import NotFound, ValidationFailed
from apps.core.schemas_api import NO_CONTENT, answers
from apps.core.views import WeftAPIView

from . import schemas, services
from .errors import TokenFixesWorkspace, WorkspaceNotChosen
from .models import ApiToken, Invitation, Member, Role, Workspace
from .permissions import IsAuthenticatedPerson, by_token, remember_workspace, resolve_member
from .services import http_allow_list, issue_token, revoke_token, set_http_allow_list


def member_to_api(member: Member) -> dict:
    return {"id": member.pk, "username": member.user.get_username(), "name": member.name, "role": member.role}


def workspace_to_api(workspace: Workspace) -> dict:
    return {"id": workspace.pk, "name": workspace.name, "slug": workspace.slug, "timezone": workspace.timezone}


def _inviter(invitation: Invitation) -> str | None:
    return invitation.invited_by.name if invitation.invited_by else None


def invitation_to_api(invitation: Invitation) -> dict:
    """An invitation as the admins of its workspace see it."""
    return {"id": invitation.pk, "username": invitation.invitee.get_username(), "name": invitation.display_name,
            "role": invitation.role, "state": invitation.state, "invited_by": _inviter(invitation),
            "created_at": invitation.created_at.isoformat(), "expires_at": invitation.expires_at.isoformat()}


def my_invitation_to_api(invitation: Invitation) -> dict:
    """An invitation as the invited person sees it: which workspace, which role, from whom."""
    return {"id": invitation.pk, "workspace": {"name": invitation.workspace.name, "slug": invitation.workspace.slug},
            "role": invitation.role, "state": invitation.state, "invited_by": _inviter(invitation),
            "created_at": invitation.created_at.isoformat(), "expires_at": invitation.expires_at.isoformat()}


def _body(request) -> dict:
    return request.data if isinstance(request.data, dict) else {}


class WorkspaceView(WeftAPIView):
    @extend_schema(responses=answers({200: schemas.CurrentWorkspaceSerializer}, 403))
    def get(self, request):
        return Response({**workspace_to_api(request.workspace), "me": member_to_api(request.member)})


class HttpAllowListView(WeftAPIView):
    """The private hosts this workspace's flows and connectors may call: builders read it, admins set it."""

    required_role = Role.BUILDER
    write_role = Role.ADMIN

    @extend_schema(responses=answers({200: schemas.HttpAllowListSerializer}, 403))
    def get(self, request):
        return Response({"http_allow_list": http_allow_list(request.workspace)})

    @extend_schema(request=schemas.HttpAllowListSerializer,
                   responses=answers({200: schemas.HttpAllowListSerializer}, 400, 403))
    def put(self, request):
        body = _body(request)
        if "http_allow_list" not in body:
            raise ValidationFailed({"http_allow_list": [_("is required")]})
        entries = set_http_allow_list(request.workspace, body["http_allow_list"], member=request.member)
        return Response({"http_allow_list": entries})


class MemberListView(WeftAPIView):
    """Members and their roles; admins also see the invitations still waiting for an answer.

    Adding a username nobody has yet creates the account as a member (201); an existing account
    is invited instead (202) and joins only when that person accepts.
    """

    write_role = Role.ADMIN

    @extend_schema(responses=answers({200: schemas.MEMBER_PAGE}, 403))
    def get(self, request):
        members = Member.objects.filter(workspace=request.workspace).select_related("user").order_by("id")
        data: dict = {"results": [member_to_api(m) for m in members]}
        if request.member.has_role(Role.ADMIN):
            data["invitations"] = [invitation_to_api(i) for i in services.pending_invitations(request.workspace)]
        return Response(data)

    @extend_schema(request=schemas.AddMemberSerializer,
                   responses=answers({201: schemas.MemberSerializer, 202: schemas.InvitationSerializer},
                                     400, 403, 409))
    def post(self, request):
        body = _body(request)
        added = services.add_or_invite(request.workspace, body.get("username"), body.get("role", Role.MEMBER),
                                       by=request.member, display_name=str(body.get("name") or ""))
        if isinstance(added, Invitation):
            return Response(invitation_to_api(added), status=status.HTTP_202_ACCEPTED)
        return Response(member_to_api(added), status=status.HTTP_201_CREATED)


class MemberDetailView(WeftAPIView):
    """One member: admins change roles below their own or remove such members; anyone may leave."""

    @extend_schema(request=schemas.RoleChangeSerializer,
                   responses=answers({200: schemas.MemberSerializer}, 400, 403, 404, 409))
    def patch(self, request, pk: int):
        body = _body(request)
        if "role" not in body:
            raise ValidationFailed({"role": [_("is required")]})
        member = services.change_member_role(request.workspace, pk, body["role"], by=request.member)
        return Response(member_to_api(member))

    @extend_schema(responses=answers(NO_CONTENT, 403, 404, 409))
    def delete(self, request, pk: int):
        services.remove_member(request.workspace, pk, by=request.member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TransferOwnershipView(WeftAPIView):
    """An owner makes another member owner and becomes an admin, in one step."""

    write_role = Role.OWNER

    @extend_schema(request=None, responses=answers({200: schemas.OwnershipSerializer}, 400, 403, 404))
    def post(self, request, pk: int):
        owner, me = services.transfer_ownership(request.workspace, pk, by=request.member)
        return Response({"owner": member_to_api(owner), "me": member_to_api(me)})


class WorkspaceInvitationView(WeftAPIView):
    """Admins withdraw a pending invitation (they see them in the members listing)."""

    required_role = Role.ADMIN

    @extend_schema(responses=answers(NO_CONTENT, 403, 404))
    def delete(self, request, pk: int):
        services.revoke_invitation(request.workspace, pk, by=request.member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class TokenListView(WeftAPIView):
    secret_fields = ("token",)

    @extend_schema(responses=answers({200: schemas.TOKEN_PAGE}, 403))
    def get(self, request):
        tokens = ApiToken.objects.filter(member=request.member, revoked_at__isnull=True).order_by("id")
        return Response({"results": [{"id": t.pk, "name": t.name, "hint": t.hint,
                                      "created_at": t.created_at.isoformat(),
                                      "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None}
                                     for t in tokens]})

    @extend_schema(request=schemas.TokenNameSerializer,
                   responses=answers({201: schemas.NewTokenSerializer}, 400, 403))
    def post(self, request):
        name = _body(request).get("name", "api")
        token, raw = issue_token(request.member, str(name)[:100])
        return Response({"id": token.pk, "name": token.name, "token": raw}, status=status.HTTP_201_CREATED)


class TokenDetailView(WeftAPIView):
    @extend_schema(responses=answers(NO_CONTENT, 403, 404))
    def delete(self, request, pk: int):
        token = ApiToken.objects.filter(pk=pk, member=request.member, workspace=request.workspace).first()
        if token is None:
            raise NotFound()
        revoke_token(token)
        return Response(status=status.HTTP_204_NO_CONTENT)


class PersonalView(WeftAPIView):
    """What belongs to the person across workspaces (a token authenticates its person too); no workspace
    is bound to the request."""

    permission_classes = [IsAuthenticatedPerson]
    idempotent = False


class MyInvitationListView(PersonalView):
    """The invitations waiting for your answer, in every workspace."""

    @extend_schema(responses=answers({200: schemas.MY_INVITATION_PAGE}, 403))
    def get(self, request):
        return Response({"results": [my_invitation_to_api(i) for i in services.invitations_for(request.user)]})


class AcceptInvitationView(PersonalView):
    """Join the inviting workspace with the invited role."""

    @extend_schema(request=None, responses=answers({200: schemas.MembershipSerializer}, 403, 404, 409))
    def post(self, request, pk: int):
        member = services.accept_invitation(request.user, pk)
        return Response({"workspace": workspace_to_api(member.workspace), "me": member_to_api(member)})


class DeclineInvitationView(PersonalView):
    """Say no; the workspace's admins may invite you again."""

    @extend_schema(request=None, responses=answers({200: schemas.MyInvitationSerializer}, 403, 404, 409))
    def post(self, request, pk: int):
        invitation = services.decline_invitation(request.user, pk)
        return Response(my_invitation_to_api(invitation))


class WorkspaceListView(PersonalView):
    """The person's workspaces, the current one marked; with a token, only the token's workspace."""

    @extend_schema(responses=answers({200: schemas.WORKSPACE_PAGE}, 403))
    def get(self, request):
        if by_token(request):
            current = resolve_member(request)
            memberships = [current]
        else:
            memberships = list(services.memberships(request.user))
            try:
                current = resolve_member(request)
            except WorkspaceNotChosen:
                current = None
        results = [{**workspace_to_api(m.workspace), "role": m.role, "current": current is not None
                    and m.pk == current.pk} for m in memberships]
        return Response({"current": current.workspace.slug if current else None, "results": results})


class SessionWorkspaceView(PersonalView):
    """Choose the workspace this browser session works in; it stays chosen until another is."""

    @extend_schema(request=schemas.ChooseWorkspaceSerializer,
                   responses=answers({200: schemas.MembershipSerializer}, 400, 403, 404))
    def post(self, request):
        slug = _body(request).get("workspace")
        if not isinstance(slug, str) or not slug.strip():
            raise ValidationFailed({"workspace": [_("is required: the slug of one of your workspaces")]})
        if by_token(request):
            raise TokenFixesWorkspace()
        member = services.memberships(request.user).filter(workspace__slug=slug.strip()).first()
        if member is None:
            raise NotFound(_("You are not a member of a workspace with this slug."))
        remember_workspace(request, member)
        return Response({"workspace": workspace_to_api(member.workspace), "me": member_to_api(member)})
