"""Test data made by code: ``make.workspace()``, ``make.form(fields=[...])``, ``make.record(form, {...})``.

Everything is made through the apps' services, as the API would make it, so a
factory never builds a row the product could not have built itself. Keys are
unique per test run unless given.
"""

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

    def flow(self, workspace: Workspace | None = None, definition: dict | None = None, *,
             member: Member | None = None, enabled: bool = True, **overrides: Any):
        """A flow started by hand, with no steps, unless ``definition`` or ``overrides`` (``steps=[...]``) say more.

        An override given as ``None`` keeps the default (``key=None`` is a fresh key).
        """
        from apps.flows.services import create_flow

        workspace = workspace or self.workspace()
        body = {**(definition or {}), **{name: value for name, value in overrides.items() if value is not None}}
        key = body.setdefault("key", f"flow_{next(_seq)}")
        body.setdefault("name", key.replace("_", " ").title())
        body.setdefault("trigger", {"type": "manual"})
        body.setdefault("steps", [])
        return create_flow(workspace, body, member=member or self.owner(workspace), enabled=enabled)

    def endpoint(self, workspace: Workspace | None = None, form=None, *, member: Member | None = None,
                 **fields: Any):
        """An inbound endpoint into ``form`` (a form or its key), or into a new form if no ``flow`` is given."""
        from apps.connectors.inbound.endpoints import create_endpoint

        workspace = workspace or getattr(form, "workspace", None) or self.workspace()
        if form is None and "flow" not in fields:
            form = self.form(workspace)
        if form is not None:
            fields["form"] = getattr(form, "key", form)
        fields.setdefault("key", f"endpoint-{next(_seq)}")
        return create_endpoint(workspace, fields, member=member or self.owner(workspace))

    def subscription(self, workspace: Workspace | None = None, url: str = "https://example.com/hook", *,
                     events: list[str] | None = None, member: Member | None = None, **fields: Any):
        """An outbound subscription of ``url`` to ``events`` (``record.created`` unless given)."""
        from apps.connectors.outbound.subscriptions import create_subscription

        workspace = workspace or self.workspace()
        data = {"key": f"sub-{next(_seq)}", "url": url, "events": events or ["record.created"], **fields}
        subscription, _secret = create_subscription(workspace, data, member=member or self.owner(workspace))
        return subscription

    def channel_account(self, workspace: Workspace | None = None, adapter: str = "website", *,
                        member: Member | None = None, **fields: Any):
        """A channel account of ``adapter``; secret credentials given as values go to the vault, as in the API."""
        from apps.connectors.channels.accounts import save_account

        workspace = workspace or self.workspace()
        data = {"key": f"{adapter}-{next(_seq)}", "adapter": adapter, **fields}
        return save_account(workspace, data, member=member or self.owner(workspace))


make = Make()
