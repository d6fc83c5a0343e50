"""Test data made by code: ``make.workspace()``, ``make.form(fields=[...])``, ``make.record(form, {...})``."""

from __future__ import annotations

import itertools
from typing import Any

from django.contrib.auth import get_user_model
from rest_framework.test import APIClient

from apps.accounts.models import Member, Role, Workspace
from apps.accounts.services import create_workspace, issue_token

_seq = itertools.count(1)


class Make:
    def user(self, username: str | None = None, **extra: Any):
        username = username or f"user{next(_seq)}"
        return get_user_model().objects.create_user(username=username, password=None, **extra)

    def workspace(self, name: str | None = None, owner=None) -> Workspace:
        owner = owner or self.user()
        return create_workspace(name or f"Shop {next(_seq)}", owner)

    def member(self, workspace: Workspace | None = None, role: str = Role.OWNER, user=None) -> Member:
        workspace = workspace or self.workspace()
        user = user or self.user()
        member, _ = Member.objects.update_or_create(workspace=workspace, user=user, defaults={"role": role})
        return member

    def owner(self, workspace: Workspace) -> Member:
        return Member.objects.filter(workspace=workspace, role=Role.OWNER).select_related("user").first()

    def client(self, member: Member) -> APIClient:
        """An API client authenticated with a fresh token of ``member``."""
        _, raw = issue_token(member, "test")
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
        client.member = member
        return client

    def form(self, workspace: Workspace | None = None, fields: list[dict] | None = None, *, key: str | None = None,
             member: Member | None = None, **definition: Any):
        from apps.forms.services.forms import create_form

        workspace = workspace or self.workspace()
        key = key or f"form{next(_seq)}"
        fields = fields if fields is not None else [{"key": "title", "type": "text"}]
        body = {"key": key, "name": definition.pop("name", key.title()), "fields": fields, **definition}
        return create_form(workspace, body, member=member or self.owner(workspace))

    def record(self, form, data: dict | None = None, *, member: Member | None = None):
        from apps.forms.services.records import create_record

        return create_record(form, data or {}, member=member or self.owner(form.workspace))


make = Make()
