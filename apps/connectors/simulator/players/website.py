"""A shop's own website: Standard Webhooks whose data is the canonical order, and its stock receiver.

Times are ISO 8601 with the site's offset (+08:00); refunds carry canonical
statuses. Stock arrives as a signed ``stock.updated`` webhook at
``/webhooks/weft/stock`` (the signature is not checked here).
"""

from __future__ import annotations

from typing import Any

from ..shop import Order
from .base import Player, Refused, iso, known, param, players, whole, yuan

REFUND_STATUS = {"success": "succeeded", "pending": "pending", "rejected": "rejected", "closed": "closed"}


@players.register
class Website(Player):
    type = "website"
    stock_path = "/webhooks/weft/stock"
    credentials = {"webhook_secret": "whsec_c2ltdWxhdGVkLXdlYnNpdGUtc2VjcmV0LTMyYnl0ZXM="}

    def webhook(self, order: Order) -> dict[str, Any]:
        return {"type": "order.created" if order.sequence == 0 else "order.updated", "timestamp": iso(order.updated_at),
                "data": {
                    "order_id": order.order_id, "status": order.status, "currency": "CNY",
                    "total": yuan(order.total), "paid_amount": yuan(order.total) if order.paid_at else "0.00",
                    "discount": yuan(order.discount), "shipping_fee": yuan(order.shipping_fee),
                    "created_at": iso(order.created_at), "paid_at": iso(order.paid_at),
                    "updated_at": iso(order.updated_at), "buyer": {"id": order.buyer_id, "name": order.buyer_name},
                    "shipping": {"name": order.buyer_name, "phone": order.phone, "province": order.place[0],
                                 "city": order.place[1], "district": order.place[2], "address": order.address},
                    "items": [{"line_id": line.line_id, "sku": line.sku, "title": line.title,
                               "quantity": line.quantity, "price": yuan(line.price), "amount": yuan(line.amount)}
                              for line in order.lines],
                    "refunds": [{"refund_id": refund.refund_id, "amount": yuan(refund.amount),
                                 "status": REFUND_STATUS[refund.status], "reason": refund.reason,
                                 "created_at": iso(refund.created_at)} for refund in order.refunds],
                }}

    def stock_update(self, query: dict[str, str], body: Any, path: str = "") -> list[tuple[str, int]]:
        if param(body, "type") != "stock.updated":
            raise Refused(f"unknown event type {body['type']}")
        data = param(body, "data")
        return [(known(param(data, "sku")), whole(data, "available"))]

    def stock_answer(self, pairs: list[tuple[str, int]]) -> dict[str, Any]:
        return {"received": True}
