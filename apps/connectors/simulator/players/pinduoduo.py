"""Pinduoduo as pdd.order.number.list.increment.get serves it, behind the ``/api/router`` gateway.

Yuan as JSON numbers, Beijing time as ``yyyy-MM-dd HH:mm:ss``, request times
as Unix seconds; a request whose update window is longer than 30 minutes is
refused, as Pinduoduo refuses it. Refund amounts are not part of the order:
a succeeded refund, whole or partial, sets refund_status 4. Stock arrives as
pdd.goods.quantity.update (goods_id of the goods, outer_id of the SKU).
"""

from __future__ import annotations

from typing import Any

from ..shop import Line, Order
from .base import (
    Player,
    Refused,
    UnknownListing,
    from_unix,
    gateway_params,
    known,
    local_text,
    page_of,
    param,
    players,
    products,
    whole,
    within,
)

ORDER_STATUS = {"paid": 1, "cancelled": 1, "shipped": 2, "completed": 3, "refunded": 3}
PULL_TYPE = "pdd.order.number.list.increment.get"
STOCK_TYPE = "pdd.goods.quantity.update"
LONGEST_WINDOW = 1800


@players.register
class Pinduoduo(Player):
    type = "pinduoduo"
    pushed = False
    pulled = True
    pull_path = stock_path = "/api/router"
    credentials = {"client_id": "sim", "client_secret": "sim", "access_token": "sim"}

    def listing(self, sku: str) -> dict[str, str]:
        product, _variant = products()[sku]
        return {"goods_id": str(520000000000 + product)}

    def webhook(self, order: Order) -> dict[str, Any]:
        refunded = any(r.status == "success" for r in order.refunds)
        return {
            "order_sn": order.order_id, "confirm_status": 2 if order.status == "cancelled" else 1,
            "order_status": ORDER_STATUS[order.status], "refund_status": 4 if refunded else 1,
            "group_status": 1, "trade_type": 0, "pay_amount": float(order.total),
            "goods_amount": float(order.goods), "discount_amount": float(order.discount),
            "seller_discount": float(order.discount), "postage": float(order.shipping_fee),
            "created_time": local_text(order.created_at), "pay_time": local_text(order.paid_at),
            "confirm_time": local_text(order.paid_at), "updated_at": local_text(order.updated_at),
            "receiver_name": order.buyer_name, "receiver_phone": order.phone, "country": "中国",
            "province": order.place[0], "city": order.place[1], "town": order.place[2],
            "address": "".join(order.place) + order.address, "receiver_address": order.address,
            "item_list": [self._item(line) for line in order.lines],
        }

    def _item(self, line: Line) -> dict[str, Any]:
        product, variant = products()[line.sku]
        return {"goods_id": int(self.listing(line.sku)["goods_id"]), "sku_id": 1000000000000 + product * 100 + variant,
                "outer_id": line.sku, "goods_name": line.title, "goods_spec": "", "goods_price": float(line.price),
                "goods_count": line.quantity}

    def is_pull(self, query: dict[str, str], body: Any) -> bool:
        return gateway_params(query, body).get("type") == PULL_TYPE

    def pull_answer(self, orders: list[Order], query: dict[str, str], body: Any) -> dict[str, Any]:
        params = gateway_params(query, body)
        start, end = whole(params, "start_updated_at"), whole(params, "end_updated_at")
        if end < start or end - start > LONGEST_WINDOW:
            raise Refused("end_updated_at must be within 30 minutes after start_updated_at")
        found = within(orders, from_unix(start), from_unix(end))
        page, size = whole(params, "page"), whole(params, "page_size")
        return {"order_sn_increment_get_response": {
            "has_next": page * size < len(found), "total_count": len(found),
            "order_sn_list": [self.webhook(o) for o in page_of(found, page, size)]}}

    def is_stock(self, path: str, query: dict[str, str], body: Any) -> bool:
        return super().is_stock(path, query, body) and gateway_params(query, body).get("type") == STOCK_TYPE

    def stock_update(self, query: dict[str, str], body: Any, path: str = "") -> list[tuple[str, int]]:
        params = gateway_params(query, body)
        sku = known(param(params, "outer_id"))
        if str(param(params, "goods_id")) != self.listing(sku)["goods_id"]:
            raise UnknownListing(f"goods {params['goods_id']} has no SKU {sku}")
        if str(params.get("update_type", "1")) != "1":
            raise Refused("only full quantity updates (update_type 1) are simulated")
        return [(sku, whole(params, "quantity"))]

    def stock_answer(self, pairs: list[tuple[str, int]]) -> dict[str, Any]:
        return {"goods_quantity_update_response": {"is_success": True}}

    def refusal(self, error: Refused) -> tuple[int, dict[str, Any]]:
        return 200, {"error_response": {"error_code": 50001, "error_msg": str(error), "sub_msg": ""}}
