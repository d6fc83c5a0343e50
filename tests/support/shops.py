"""Two workspaces that both have alice as a member and a product TS-M, each under its own ids.

What a definition exported from one means must be found again in the other:
the same username, the same unique key, different ids.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.models import Member, Workspace
from apps.forms.models import Form, Record


@dataclass
class Shop:
    workspace: Workspace
    alice: Member
    products: Form
    tee: Record


def two_shops(make) -> tuple[Shop, Shop]:
    alice = make.user("alice")
    shops = []
    for _ in range(2):
        workspace = make.workspace()
        make.member(workspace)
        products = make.form(workspace, [{"key": "sku", "type": "text", "required": True}], key="products",
                             unique_key=["sku"])
        make.record(products, {"sku": "TS-S"})
        shops.append(Shop(workspace, make.member(workspace, user=alice), products,
                          make.record(products, {"sku": "TS-M"})))
    first, second = shops
    assert (first.alice.pk, first.tee.pk) != (second.alice.pk, second.tee.pk)
    return first, second
