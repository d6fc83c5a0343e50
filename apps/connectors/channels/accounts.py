"""Channel accounts: checked whole before saving, and what adapters and the HTTP client need of them."""

from __future__ import annotations

import contextlib
import hashlib
from typing import Any

from django.db import IntegrityError, transaction
from django.utils.text import slugify
from django.utils.translation import gettext as _

from apps.accounts.models import Member, Workspace
from apps.accounts.services import http_allow_list
from apps.audit import services as audit
from apps.core import http
from apps.core.errors import ErrorCollector, NotFound, ValidationFailed, WeftError
from apps.expressions import check_syntax
from apps.forms.models import Form
from apps.forms.selectors import active_fields
from apps.vault import selectors as vault_selectors
from apps.vault import services as vault

from ..adapters.credentials import host_allowed, is_secret
from ..errors import KeyTaken
from ..models import ChannelAccount, Endpoint

FIELDS = ("key", "name", "adapter", "endpoint", "base_url", "credentials", "pull_enabled", "pull_interval_seconds",
          "cursor", "stock_form", "stock_sku_field", "stock_available", "stock_listing", "push_enabled", "push_window_seconds",
          "enabled")


class AccountNotFound(NotFound):
    code = "channel_account_not_found"


def account_info(account: ChannelAccount) -> dict[str, Any]:
    """What an adapter's expressions see as ``account``: credentials resolved now, for this request only."""
    from ..adapters import AdapterError

    credentials = {}
    for name, value in (account.credentials or {}).items():
        try:
            credentials[name] = vault.resolve_references(account.workspace, value)
        except WeftError as exc:
            raise AdapterError(account.adapter, {f"credentials.{name}": [exc.message]}) from None
    return {"key": account.key, "base_url": account.base_url.rstrip("/"), "credentials": credentials}


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
    if "credentials" in values:
        account.credentials = _into_vault(workspace, account, member)
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
    for credential, value in (account.credentials or {}).items():
        if vault_selectors.reference_name(value) == vault_name(account, credential):
            with contextlib.suppress(NotFound):
                vault.delete_secret(vault.get_secret(account.workspace, vault_selectors.reference_name(value)),
                                    member=member)
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
    doc = adapters.get(adapter_key, {})
    entered: tuple[set[str], set[str]] = (set(), set())
    if "credentials" in given:
        values["credentials"], entered = _credentials(workspace, given["credentials"], account, doc, errors)
    _destination(given, account, values, doc, entered, errors)
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


def _credentials(workspace: Workspace, given: Any, account: ChannelAccount | None, doc: dict,
                 errors: ErrorCollector) -> tuple[dict[str, Any], tuple[set[str], set[str]]]:
    """The credentials to store, and which secret ones this request enters: (typed as values, typed or named).

    A value shown masked and sent back unchanged keeps what is stored; a secret one
    may be a reference to a vault secret (``{"secret": name}``); naming the secret
    already stored does not count as entering it.
    """
    if not isinstance(given, dict):
        errors.add("credentials", _("must be an object"))
        return {}, (set(), set())
    stored = (account.credentials or {}) if account else {}
    names = vault_selectors.secret_names(workspace)
    cleaned: dict[str, Any] = {}
    typed: set[str] = set()
    named: set[str] = set()
    for name, value in given.items():
        path = f"credentials.{name}"
        if value == vault_selectors.MASK:
            if name not in stored:
                errors.add(path, _("is masked but nothing is stored: enter the value"))
            cleaned[name] = stored.get(name)
        elif vault_selectors.is_reference(value):
            if vault_selectors.reference_name(value) not in names:
                errors.add(path, _("no secret '%(name)s' in this workspace") % {
                    "name": vault_selectors.reference_name(value)})
            cleaned[name] = value
            if value != stored.get(name):
                named.add(name)
        elif isinstance(value, str | int | float) and not isinstance(value, bool):
            cleaned[name] = value
            if is_secret(doc, name):
                typed.add(name)
        else:
            errors.add(path, _('must be text, a number or {"secret": "<name>"}'))
    return cleaned, (typed, typed | named)


def _destination(given: dict, account: ChannelAccount | None, values: dict, doc: dict,
                 entered: tuple[set[str], set[str]], errors: ErrorCollector) -> None:
    """Stored secret credentials follow a changed address only when they are entered again.

    Otherwise a builder could point an account at their own server and pull: the
    stored tokens would be sent there. A ``base_url`` outside the adapter's ``hosts``
    needs them typed in as values (not references) even for a new account.
    """
    credentials = values.get("credentials", account.credentials if account else {}) or {}
    secret = {n for n, v in credentials.items() if is_secret(doc, n) and v not in ("", None)}
    typed, named = entered
    url = values.get("base_url", account.base_url if account else "") or doc.get("base_url") or ""
    moved = account is None or url != (account.base_url or doc.get("base_url") or "") \
        or values["adapter"] != account.adapter
    if account is not None and moved:
        kept = secret - named
        if kept:
            errors.add("base_url", _("changing where the account sends its credentials needs them entered "
                                     "again in the same request: %(names)s") % {
                "names": ", ".join(f"credentials.{n}" for n in sorted(kept))})
            return
    if moved and url and not host_allowed(doc, url) and secret - typed:
        errors.add("base_url", _("%(url)s is not a host of the %(adapter)s API (%(hosts)s): enter %(names)s "
                                 "as values in the same request to send them there") % {
            "url": url, "adapter": doc.get("key"), "hosts": ", ".join(doc.get("hosts") or ()),
            "names": ", ".join(f"credentials.{n}" for n in sorted(secret - typed))})


def vault_name(account: ChannelAccount, credential: str) -> str:
    """The vault secret that holds a credential typed into an account."""
    name = f"channel-{account.key}-{credential}".lower()
    if len(name) > 80:
        name = f"channel-{hashlib.sha256(name.encode()).hexdigest()[:24]}-{credential[:40]}".lower()
    return name


def _into_vault(workspace: Workspace, account: ChannelAccount, member: Member | None) -> dict[str, Any]:
    """Secret credentials given as values go to the vault; the account keeps references to them."""
    from ..adapters import declarations

    doc = declarations(account.adapter)
    stored: dict[str, Any] = {}
    for name, value in (account.credentials or {}).items():
        if is_secret(doc, name) and not vault_selectors.is_reference(value) and value not in ("", None):
            secret = vault.put_secret(workspace, vault_name(account, name), str(value), member=member,
                                      description=_("Credential %(name)s of the channel account %(key)s") % {
                                          "name": name, "key": account.key})
            value = vault_selectors.reference(secret.name)
        stored[name] = value
    return stored


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
