"""Shopify's order webhooks (the REST Order) and its inventory_levels/set endpoint.

Money as shop-currency text, times ISO 8601 with the shop's offset (the
simulated shop is in China, in CNY), ids as numbers. A shipped order is
fulfilled; a completed one is also closed (archived). Stock arrives by
inventory item at the account's location.
"""

from __future__ import annotations

import re
from typing import Any

from ..shop import Order
from .base import (
    Player,
    Refused,
    iso,
    line_id,
    param,
    players,
    products,
    refund_number,
    whole,
    yuan,
)

LOCATION_ID = 71000000001
STOCK_PATH = re.compile(r"^/admin/api/[0-9a-z-]+/inventory_levels/set\.json$")
TRANSACTION_STATUS = {"success": "success", "pending": "pending", "rejected": "failure", "closed": "failure"}


@players.register
class Shopify(Player):
    type = "shopify"
    stock_path = "/admin/api/2024-10/inventory_levels/set.json"
    credentials = {"access_token": "shpat_sim", "location_id": str(LOCATION_ID)}

    def listing(self, sku: str) -> dict[str, str]:
        product, variant = products()[sku]
        return {"inventory_item_id": str(44000000000000 + product * 100 + variant)}

    def webhook(self, order: Order) -> dict[str, Any]:
        refunded = order.refunded
        financial = "refunded" if refunded and refunded >= order.total else \
            "partially_refunded" if refunded else "paid"
        fulfilled = order.status in ("shipped", "completed", "refunded")
        closed = order.status in ("completed", "refunded", "cancelled")
        shipping = {"amount": yuan(order.shipping_fee), "currency_code": "CNY"}
        return {
            "id": int(order.order_id), "admin_graphql_api_id": f"gid://shopify/Order/{order.order_id}",
            "name": f"#{order.order_id[-6:]}", "created_at": iso(order.created_at),
            "updated_at": iso(order.updated_at), "processed_at": iso(order.paid_at or order.created_at),
            "cancelled_at": iso(order.updated_at) if order.status == "cancelled" else None,
            "cancel_reason": "customer" if order.status == "cancelled" else None,
            "closed_at": iso(order.updated_at) if closed else None, "currency": "CNY",
            "presentment_currency": "CNY", "financial_status": financial,
            "fulfillment_status": "fulfilled" if fulfilled else None,
            "total_line_items_price": yuan(order.goods), "subtotal_price": yuan(order.goods - order.discount),
            "total_discounts": yuan(order.discount), "total_tax": "0.00", "total_price": yuan(order.total),
            "current_total_price": yuan(order.total - refunded), "total_outstanding": "0.00",
            "total_shipping_price_set": {"shop_money": shipping, "presentment_money": shipping},
            "customer": {"id": int(order.buyer_id.lstrip("b")), "first_name": order.buyer_name, "last_name": ""},
            "shipping_address": {"name": order.buyer_name, "phone": order.phone, "province": order.place[0],
                                 "city": order.place[1], "address1": order.place[2] + order.address,
                                 "address2": "", "country_code": "CN"},
            "line_items": [{
                "id": int(line_id(order, index)), "sku": line.sku, "name": line.title, "title": line.title,
                "quantity": line.quantity, "price": yuan(line.price), "total_discount": "0.00",
                "fulfillment_status": "fulfilled" if fulfilled else None,
            } for index, line in enumerate(order.lines)],
            "refunds": [self._refund(order, index) for index in range(len(order.refunds))],
        }

    def _refund(self, order: Order, index: int) -> dict[str, Any]:
        refund, number = order.refunds[index], int(refund_number(order, index))
        return {
            "id": number, "order_id": int(order.order_id), "created_at": iso(refund.created_at),
            "note": refund.reason,
            "refund_line_items": [{"line_item_id": int(line_id(order, 0)), "quantity": 1,
                                   "subtotal": yuan(refund.amount)}],
            "transactions": [{"id": number, "kind": "refund", "status": TRANSACTION_STATUS[refund.status],
                              "amount": yuan(refund.amount), "currency": "CNY"}],
        }

    def is_stock(self, path: str, query: dict[str, str], body: Any) -> bool:
        return bool(STOCK_PATH.match(path))

    def stock_update(self, query: dict[str, str], body: Any, path: str = "") -> list[tuple[str, int]]:
        if str(param(body, "location_id")) != self.credentials["location_id"]:
            raise Refused(f"location {body['location_id']} does not exist")
        return [(self.sku_of("inventory_item_id", param(body, "inventory_item_id")), whole(body, "available"))]

    def stock_answer(self, pairs: list[tuple[str, int]]) -> dict[str, Any]:
        sku, quantity = pairs[0]
        return {"inventory_level": {"inventory_item_id": int(self.listing(sku)["inventory_item_id"]),
                                    "location_id": LOCATION_ID, "available": quantity}}

    def refusal(self, error: Refused) -> tuple[int, dict[str, Any]]:
        return 422, {"errors": [str(error)]}
