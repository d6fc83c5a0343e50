"""Channel accounts over the API: configure, pull now, see stock pushes, list adapters."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts.models import Role
from apps.core.schemas_api import NO_CONTENT, answers
from apps.core.views import WeftAPIView
from apps.vault.selectors import MASK, is_reference

from ..adapters import declarations
from ..adapters.credentials import is_secret
from ..channels import accounts as services
from ..channels.pull import PullFailed, pull_now
from ..models import ChannelAccount
from . import schemas


def _masked(account: ChannelAccount) -> dict:
    """Credentials as the adapter declares them: a secret one (or one it does not declare) shows as the
    vault reference that holds it, or masked; never its value."""
    doc = declarations(account.adapter)
    return {name: (value if is_reference(value) or not is_secret(doc, name) else MASK)
            for name, value in (account.credentials or {}).items()}


def account_to_api(account: ChannelAccount) -> dict:
    return {
        "key": account.key, "name": account.name, "adapter": account.adapter,
        "endpoint": account.endpoint.key if account.endpoint_id else None, "base_url": account.base_url,
        "credentials": _masked(account), "pull_enabled": account.pull_enabled,
        "pull_interval_seconds": account.pull_interval_seconds, "cursor": account.cursor,
        "next_pull_at": account.next_pull_at.isoformat() if account.next_pull_at else None,
        "last_pull_at": account.last_pull_at.isoformat() if account.last_pull_at else None,
        "last_pull_error": account.last_pull_error or None,
        "stock_form": account.stock_form.key if account.stock_form_id else None,
        "stock_sku_field": account.stock_sku_field, "stock_available": account.stock_available,
        "stock_listing": account.stock_listing,
        "push_enabled": account.push_enabled, "push_window_seconds": account.push_window_seconds,
        "enabled": account.enabled,
    }


class AdapterListView(WeftAPIView):
    @extend_schema(responses=answers({200: schemas.ADAPTER_PAGE}, 403))
    def get(self, request):
        from ..adapters import all_adapters

        return Response({"results": [{"key": a["key"], "name": a.get("name"), "pull": bool(a.get("pull")),
                                      "stock_update": bool(a.get("stock_update")),
                                      "verification": (a.get("intake") or {}).get("verification"),
                                      "credentials": a.get("credentials") or {}, "hosts": a.get("hosts") or []}
                                     for a in all_adapters()]})


class AccountListView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER

    @extend_schema(responses=answers({200: schemas.ACCOUNT_PAGE}, 403))
    def get(self, request):
        items = ChannelAccount.objects.filter(workspace=request.workspace).select_related(
            "endpoint", "stock_form").order_by("key")
        return Response({"results": [account_to_api(a) for a in items]})

    @extend_schema(summary="Connect a shop on a sales channel", request=schemas.ChannelAccountInputSerializer,
                   responses=answers({201: schemas.ChannelAccountSerializer}, 400, 403, 409))
    def post(self, request):
        account = services.save_account(request.workspace, request.data, member=request.member)
        return Response(account_to_api(account), status=status.HTTP_201_CREATED)


class AccountDetailView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER

    @extend_schema(responses=answers({200: schemas.ChannelAccountSerializer}, 403, 404))
    def get(self, request, key: str):
        return Response(account_to_api(services.get_account(request.workspace, key)))

    @extend_schema(request=schemas.ChannelAccountInputSerializer,
                   responses=answers({200: schemas.ChannelAccountSerializer}, 400, 403, 404, 409))
    def put(self, request, key: str):
        account = services.get_account(request.workspace, key)
        account = services.save_account(request.workspace, request.data, member=request.member, account=account)
        return Response(account_to_api(account))

    @extend_schema(responses=answers(NO_CONTENT, 403, 404))
    def delete(self, request, key: str):
        services.delete_account(services.get_account(request.workspace, key), member=request.member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class AccountPullView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER

    @extend_schema(summary="Pull the account's new orders now", request=None,
                   responses=answers({200: schemas.PulledSerializer}, 400, 403, 404, 502))
    def post(self, request, key: str):
        account = services.get_account(request.workspace, key)
        try:
            stored = pull_now(account)
        except PullFailed as exc:
            return Response({"code": "pull_failed", "errors": {"base_url": [str(exc)]}},
                            status=status.HTTP_502_BAD_GATEWAY)
        return Response({"stored": stored, "cursor": account.cursor})


class AccountPushListView(WeftAPIView):
    required_role = Role.BUILDER
    @extend_schema(responses=answers({200: schemas.STOCK_PUSH_PAGE}, 403, 404))
    def get(self, request, key: str):
        account = services.get_account(request.workspace, key)
        items = account.stock_pushes.order_by("-id")[:100]
        return Response({"results": [{"id": p.pk, "sku": p.sku, "quantity": p.quantity, "status": p.status,
                                      "changes": p.changes, "attempts": p.attempts, "status_code": p.status_code,
                                      "error": p.error or None, "due_at": p.due_at.isoformat(),
                                      "sent_at": p.sent_at.isoformat() if p.sent_at else None} for p in items]})
