"""Preparing a workspace to receive the simulator: forms, one endpoint and one account per channel.

Idempotent: what exists is kept (endpoints and accounts are updated to point
at this simulator), so running the simulator again continues the same shop.
The forms and the endpoint mapping are the README's examples.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings
from django.db import transaction

from apps.accounts.models import Member, Role, Workspace
from apps.accounts.services import set_http_allow_list
from apps.forms.models import Form, Record
from apps.forms.services.forms import create_form
from apps.forms.services.records import create_record

from ..channels.accounts import save_account
from ..inbound.endpoints import create_endpoint, update_endpoint
from ..models import ChannelAccount, Endpoint
from .players.base import Player
from .sender import Target
from .shop import CATALOG

EXAMPLES = Path(settings.BASE_DIR) / "examples"
STARTING_STOCK = 200


@dataclass
class Prepared:
    targets: dict[str, Target]
    accounts: list[str]


def _example(name: str) -> dict:
    return json.loads((EXAMPLES / name).read_text(encoding="utf-8"))


@transaction.atomic
def prepare(workspace: Workspace, players: dict[str, Player], *, weft_url: str, simulator_url: str,
            allow: str) -> Prepared:
    member = Member.objects.filter(workspace=workspace, role=Role.OWNER).first()
    for name in ("orders.form.json", "stock.form.json"):
        definition = _example(name)
        if not Form.objects.filter(workspace=workspace, key=definition["key"]).exists():
            create_form(workspace, definition, member=member)
    stock = Form.objects.get(workspace=workspace, key="stock")
    known = set(Record.objects.filter(form=stock).values_list("data__sku", flat=True))
    for sku, _title, _price in CATALOG:
        if sku not in known:
            create_record(stock, {"sku": sku, "available": STARTING_STOCK, "reserved": 0}, member=member)
    entries = list(workspace.http_allow_list or [])
    if allow not in entries:
        set_http_allow_list(workspace, [*entries, allow], member=member)
    template = _example("channel_orders.endpoint.json")
    targets, accounts = {}, []
    for key, player in sorted(players.items()):
        endpoint = _endpoint(workspace, member, template, key)
        if player.pushed:
            targets[key] = Target(f"{weft_url.rstrip('/')}/api/v1/hooks/in/{endpoint.token}/", endpoint.verification,
                                  endpoint.secret)
        account = ChannelAccount.objects.filter(workspace=workspace, key=f"{key}-shop").first()
        values = {"key": f"{key}-shop", "name": f"{key} (simulated)", "adapter": key, "endpoint": endpoint.key,
                  "base_url": f"{simulator_url}/{key}", "credentials": player.credentials,
                  "stock_listing": player.stock_listing(),
                  "pull_enabled": player.pulled, "pull_interval_seconds": 5, "stock_form": "stock",
                  "stock_sku_field": "sku", "stock_available": "{{ record.available }}", "push_enabled": True,
                  "push_window_seconds": 2}
        save_account(workspace, values, member=member, account=account)
        accounts.append(f"{key}-shop")
    return Prepared(targets, accounts)


def _endpoint(workspace: Workspace, member: Member | None, template: dict, channel: str) -> Endpoint:
    body = {**template, "key": f"{channel}-orders", "name": f"{channel} orders", "adapter": channel}
    existing = Endpoint.objects.filter(workspace=workspace, key=body["key"]).first()
    if existing is None:
        return create_endpoint(workspace, body, member=member)
    return update_endpoint(existing, {k: v for k, v in body.items() if k != "key"}, member=member)
