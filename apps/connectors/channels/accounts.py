"""Channel accounts: checked whole before saving, and what adapters and the HTTP client need of them."""

from __future__ import annotations

from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts.models import Member, Workspace
from apps.accounts.services import http_allow_list
from apps.audit import services as audit
from apps.core import http
from apps.core.errors import ErrorCollector, NotFound, ValidationFailed
from apps.expressions import check_syntax
from apps.forms.models import Form
from apps.forms.validation import active_fields

from ..errors import KeyTaken
from ..models import ChannelAccount, Endpoint

FIELDS = ("key", "name", "adapter", "endpoint", "base_url", "credentials", "pull_enabled", "pull_interval_seconds",
          "cursor", "stock_form", "stock_sku_field", "stock_available", "stock_listing", "push_enabled", "push_window_seconds",
          "enabled")


class AccountNotFound(NotFound):
    code = "channel_account_not_found"


def account_info(account: ChannelAccount) -> dict[str, Any]:
    """What an adapter's expressions see as ``account``."""
    return {"key": account.key, "base_url": account.base_url.rstrip("/"), "credentials": account.credentials or {}}


def allow_list(account: ChannelAccount) -> list[str]:
    """Private addresses an account may reach: only what its workspace's allow-list names."""
    return http_allow_list(account.workspace)


def get_account(workspace: Workspace, key: str) -> ChannelAccount:
    account = ChannelAccount.objects.filter(workspace=workspace, key=key).select_related(
        "endpoint", "stock_form", "workspace").first()
    if account is None:
        raise AccountNotFound()
    return account


@transaction.atomic
def save_account(workspace: Workspace, data: Any, *, member: Member | None,
                 account: ChannelAccount | None = None) -> ChannelAccount:
    values = clean(workspace, data, account)
    creating = account is None
    account = account or ChannelAccount(workspace=workspace)
    for name, value in values.items():
        setattr(account, name, value)
    try:
        with transaction.atomic():
            account.save()
    except IntegrityError:
        raise KeyTaken(errors={"key": [KeyTaken.default_message]}) from None
    shown = {k: ("***" if k == "credentials" else getattr(v, "pk", v)) for k, v in values.items()}
    audit.record(workspace, member, "channel_account.created" if creating else "channel_account.updated", account,
                 {"values": shown})
    return account


@transaction.atomic
def delete_account(account: ChannelAccount, *, member: Member | None) -> None:
    audit.record(account.workspace, member, "channel_account.deleted", account)
    account.delete()


def clean(workspace: Workspace, data: Any, account: ChannelAccount | None) -> dict[str, Any]:
    from ..adapters import all_adapters

    if not isinstance(data, dict):
        raise ValidationFailed({"body": [_("must be a JSON object")]})
    errors = ErrorCollector()
    for name in sorted(set(data) - set(FIELDS)):
        errors.add(name, _("is not a property of a channel account"))
    values: dict[str, Any] = {}
    given = data if account is None else {k: v for k, v in data.items() if k in FIELDS}
    if account is None or "key" in given:
        key = given.get("key")
        if not isinstance(key, str) or not key or slugify(key) != key or len(key) > 80:
            errors.add("key", _("must be a slug of letters, digits, '-' and '_' (at most 80)"))
        values["key"] = key
    if account is None or "name" in given:
        values["name"] = str(given.get("name") or given.get("key") or "")[:200]
    adapters = {a["key"]: a for a in all_adapters()}
    adapter_key = given.get("adapter", account.adapter if account else None)
    if adapter_key not in adapters:
        errors.add("adapter", _("must be one of: %(known)s") % {"known": ", ".join(sorted(adapters))})
    values["adapter"] = adapter_key
    if "endpoint" in given or account is None:
        values["endpoint"] = _endpoint(workspace, given.get("endpoint"), errors)
    if "base_url" in given:
        url = given["base_url"] or ""
        if url:
            try:
                http.check_url(url if isinstance(url, str) else "")
            except http.BadUrl:
                errors.add("base_url", _("must be an http(s) URL"))
        values["base_url"] = url
    if "credentials" in given:
        if not isinstance(given["credentials"], dict):
            errors.add("credentials", _("must be an object"))
        values["credentials"] = given["credentials"]
    for name, low, high in (("pull_interval_seconds", 5, 86400), ("push_window_seconds", 0, 3600)):
        if name in given:
            value = given[name]
            if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
                errors.add(name, _("must be a whole number from %(low)d to %(high)d") % {"low": low, "high": high})
            values[name] = value
    for name in ("pull_enabled", "push_enabled", "enabled"):
        if name in given:
            if not isinstance(given[name], bool):
                errors.add(name, _("must be true or false"))
            values[name] = given[name]
    if "cursor" in given:
        values["cursor"] = str(given["cursor"] or "")[:200]
    _stock(workspace, given, account, values, errors)
    merged_pull = values.get("pull_enabled", account.pull_enabled if account else False)
    if merged_pull and adapter_key in adapters and not adapters[adapter_key].get("pull"):
        errors.add("pull_enabled", _("the %(adapter)s adapter cannot pull orders") % {"adapter": adapter_key})
    if merged_pull and not (values.get("endpoint") or (account and account.endpoint_id and "endpoint" not in values)):
        errors.add("endpoint", _("a pulling account needs an endpoint to store its orders"))
    errors.raise_if_any()
    return values


def _endpoint(workspace: Workspace, key: Any, errors: ErrorCollector) -> Endpoint | None:
    if not key:
        return None
    endpoint = Endpoint.objects.filter(workspace=workspace, key=key).first() if isinstance(key, str) else None
    if endpoint is None:
        errors.add("endpoint", _("no endpoint '%(key)s' in this workspace") % {"key": key})
    return endpoint


def _stock(workspace: Workspace, given: dict, account: ChannelAccount | None, values: dict,
           errors: ErrorCollector) -> None:
    if "stock_form" in given:
        key = given["stock_form"]
        form = Form.objects.filter(workspace=workspace, key=key).first() if isinstance(key, str) and key else None
        if key and form is None:
            errors.add("stock_form", _("no form '%(key)s' in this workspace") % {"key": key})
        values["stock_form"] = form
    form = values.get("stock_form", account.stock_form if account else None)
    if "stock_sku_field" in given:
        values["stock_sku_field"] = str(given["stock_sku_field"] or "")
    sku_field = values.get("stock_sku_field", account.stock_sku_field if account else "")
    if form is not None and sku_field not in {f["key"] for f in active_fields(form.definition["fields"])}:
        errors.add("stock_sku_field", _("must be a field of the form '%(form)s'") % {"form": form.key})
    if "stock_available" in given:
        source = str(given["stock_available"] or "")
        problem = check_syntax(source, mode="value") if source else None
        if problem:
            errors.add("stock_available", problem)
        values["stock_available"] = source
    if "stock_listing" in given:
        listing = given["stock_listing"] or {}
        if not isinstance(listing, dict):
            errors.add("stock_listing", _("must be an object of the channel's id name → value or {{ expression }}"))
            listing = {}
        for name, source in listing.items():
            problem = check_syntax(source, mode="value") if isinstance(source, str) else None
            if problem:
                errors.add(f"stock_listing.{name}", problem)
        values["stock_listing"] = listing
    pushing = values.get("push_enabled", account.push_enabled if account else False)
    if pushing and form is None:
        errors.add("stock_form", _("pushing stock needs the form that holds it"))
