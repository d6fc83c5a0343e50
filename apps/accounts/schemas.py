"""The OpenAPI components of the workspace, member, invitation and token endpoints.

Documentation only: the views parse and answer plain JSON themselves.
"""

from __future__ import annotations

from rest_framework import serializers

from apps.core.schemas_api import page, replay_warning, when

from .models import Role


class MemberSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)


class WorkspaceSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    slug = serializers.CharField()
    timezone = serializers.CharField()


class CurrentWorkspaceSerializer(WorkspaceSerializer):
    """The workspace the request works in, and you in it."""

    me = MemberSerializer()


class WorkspaceChoiceSerializer(WorkspaceSerializer):
    role = serializers.ChoiceField(choices=Role.choices)
    current = serializers.BooleanField()


class MembershipSerializer(serializers.Serializer):
    workspace = WorkspaceSerializer()
    me = MemberSerializer()


class HttpAllowListSerializer(serializers.Serializer):
    """The private hosts this workspace's flows and connectors may call."""

    http_allow_list = serializers.ListField(child=serializers.CharField(),
                                            help_text="host names, addresses or networks (e.g. 10.0.0.0/8)")


class InvitationSerializer(serializers.Serializer):
    """An invitation as the admins of its workspace see it."""

    id = serializers.IntegerField()
    username = serializers.CharField()
    name = serializers.CharField(allow_blank=True)
    role = serializers.ChoiceField(choices=Role.choices)
    state = serializers.CharField()
    invited_by = serializers.CharField(allow_null=True)
    created_at = when()
    expires_at = when()


class InvitingWorkspaceSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()


class MyInvitationSerializer(serializers.Serializer):
    """An invitation as the invited person sees it."""

    id = serializers.IntegerField()
    workspace = InvitingWorkspaceSerializer()
    role = serializers.ChoiceField(choices=Role.choices)
    state = serializers.CharField()
    invited_by = serializers.CharField(allow_null=True)
    created_at = when()
    expires_at = when()


class AddMemberSerializer(serializers.Serializer):
    """A username nobody has yet becomes a new account and member (201); an existing one is invited (202)."""

    username = serializers.CharField()
    role = serializers.ChoiceField(choices=Role.choices, required=False, default=Role.MEMBER)
    name = serializers.CharField(required=False, allow_blank=True, help_text="the name shown in this workspace")


class RoleChangeSerializer(serializers.Serializer):
    role = serializers.ChoiceField(choices=Role.choices)


class OwnershipSerializer(serializers.Serializer):
    owner = MemberSerializer(help_text="the new owner")
    me = MemberSerializer(help_text="you, now an admin")


class TokenSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    name = serializers.CharField()
    hint = serializers.CharField(help_text="the token's last characters, to tell tokens apart")
    created_at = when()
    last_used_at = when(allow_null=True)


class TokenNameSerializer(serializers.Serializer):
    name = serializers.CharField(required=False, max_length=100, default="api")


class NewTokenSerializer(serializers.Serializer):
    """A new API token: `token` is shown this once."""

    id = serializers.IntegerField()
    name = serializers.CharField()
    token = serializers.CharField(allow_null=True, help_text="send as `Authorization: Bearer <token>`; "
                                                             "null on an Idempotency-Key replay")
    warning = replay_warning()


class ChooseWorkspaceSerializer(serializers.Serializer):
    workspace = serializers.CharField(help_text="the slug of one of your workspaces")


MEMBER_PAGE = page("MemberList", MemberSerializer(many=True),
                   invitations=InvitationSerializer(many=True, required=False,
                                                    help_text="pending invitations; shown to admins"))
MY_INVITATION_PAGE = page("MyInvitationList", MyInvitationSerializer(many=True))
TOKEN_PAGE = page("TokenList", TokenSerializer(many=True))
WORKSPACE_PAGE = page("WorkspaceList", WorkspaceChoiceSerializer(many=True),
                      current=serializers.CharField(allow_null=True, help_text="the current workspace's slug"))
