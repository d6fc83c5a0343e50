"""Workspace, member and token endpoints."""

from __future__ import annotations

from django.contrib.auth import get_user_model
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from apps.core.errors import NotFound, ValidationFailed
from apps.core.views import WeftAPIView

from .models import ApiToken, Member, Role
from .services import add_member, http_allow_list, issue_token, revoke_token, set_http_allow_list


def member_to_api(member: Member) -> dict:
    return {"id": member.pk, "username": member.user.get_username(), "name": member.name, "role": member.role}


class WorkspaceView(WeftAPIView):
    def get(self, request):
        ws = request.workspace
        return Response({"id": ws.pk, "name": ws.name, "slug": ws.slug, "timezone": ws.timezone,
                         "me": member_to_api(request.member)})


class HttpAllowListView(WeftAPIView):
    """The private hosts this workspace's flows and connectors may call: builders read it, admins set it."""

    required_role = Role.BUILDER
    write_role = Role.ADMIN

    def get(self, request):
        return Response({"http_allow_list": http_allow_list(request.workspace)})

    def put(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        if "http_allow_list" not in body:
            raise ValidationFailed({"http_allow_list": [_("is required")]})
        entries = set_http_allow_list(request.workspace, body["http_allow_list"], member=request.member)
        return Response({"http_allow_list": entries})


class MemberListView(WeftAPIView):
    write_role = Role.ADMIN

    def get(self, request):
        members = Member.objects.filter(workspace=request.workspace).select_related("user").order_by("id")
        return Response({"results": [member_to_api(m) for m in members]})

    def post(self, request):
        body = request.data if isinstance(request.data, dict) else {}
        username = body.get("username")
        role = body.get("role", Role.MEMBER)
        errors: dict[str, list] = {}
        if not isinstance(username, str) or not username.strip():
            errors["username"] = [_("is required")]
        if role not in Role.values:
            errors["role"] = [_("must be one of: %(roles)s") % {"roles": ", ".join(Role.values)}]
        elif role == Role.OWNER and not request.member.has_role(Role.OWNER):
            errors["role"] = [_("only an owner can add another owner")]
        if errors:
            raise ValidationFailed(errors)
        user, created = get_user_model().objects.get_or_create(username=username.strip())
        if created:
            user.set_unusable_password()
            user.save(update_fields=["password"])
        member = add_member(request.workspace, user, role, str(body.get("name", ""))[:200])
        return Response(member_to_api(member), status=status.HTTP_201_CREATED)


class TokenListView(WeftAPIView):
    def get(self, request):
        tokens = ApiToken.objects.filter(member=request.member, revoked_at__isnull=True).order_by("id")
        return Response({"results": [{"id": t.pk, "name": t.name, "hint": t.hint,
                                      "created_at": t.created_at.isoformat(),
                                      "last_used_at": t.last_used_at.isoformat() if t.last_used_at else None}
                                     for t in tokens]})

    def post(self, request):
        name = request.data.get("name", "api") if isinstance(request.data, dict) else "api"
        token, raw = issue_token(request.member, str(name)[:100])
        return Response({"id": token.pk, "name": token.name, "token": raw}, status=status.HTTP_201_CREATED)


class TokenDetailView(WeftAPIView):
    def delete(self, request, pk: int):
        token = ApiToken.objects.filter(pk=pk, member=request.member, workspace=request.workspace).first()
        if token is None:
            raise NotFound()
        revoke_token(token)
        return Response(status=status.HTTP_204_NO_CONTENT)
