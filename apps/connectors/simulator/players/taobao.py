"""Taobao / Tmall as its relay posts trades: ``{"trade": <taobao.trade.fullinfo.get Trade>, "refunds": [...]}``.

Yuan as text, Beijing time as ``yyyy-MM-dd HH:mm:ss``. A paid order the shop
cancels is closed by Taobao (TRADE_CLOSED_BY_TAOBAO); a fully refunded one
is TRADE_CLOSED. Stock arrives through the TOP gateway as
taobao.item.quantity.update (num_iid of the item, outer_id of the SKU).
"""

from __future__ import annotations

from typing import Any

from ..shop import Order
from .base import (
    Player,
    Refused,
    UnknownListing,
    gateway_params,
    known,
    line_id,
    local_text,
    param,
    players,
    products,
    refund_number,
    whole,
    yuan,
)

STATUS = {"paid": "WAIT_SELLER_SEND_GOODS", "shipped": "WAIT_BUYER_CONFIRM_GOODS", "completed": "TRADE_FINISHED",
          "refunded": "TRADE_CLOSED", "cancelled": "TRADE_CLOSED_BY_TAOBAO", "pending": "WAIT_BUYER_PAY"}
REFUND_STATUS = {"success": "SUCCESS", "pending": "WAIT_SELLER_AGREE", "rejected": "SELLER_REFUSE_BUYER",
                 "closed": "CLOSED"}
STOCK_METHOD = "taobao.item.quantity.update"


@players.register
class Taobao(Player):
    type = "taobao"
    stock_path = "/router/rest"
    credentials = {"app_key": "sim", "app_secret": "sim", "session": "sim"}

    def listing(self, sku: str) -> dict[str, str]:
        product, _variant = products()[sku]
        return {"num_iid": str(610000000000 + product)}

    def webhook(self, order: Order) -> dict[str, Any]:
        refunds = [self._refund(order, index) for index in range(len(order.refunds))]
        body: dict[str, Any] = {"trade": self._trade(order)}
        if refunds:
            body["refunds"] = refunds
        return body

    def _trade(self, order: Order) -> dict[str, Any]:
        status = STATUS[order.status]
        finished = order.status in ("completed", "refunded", "cancelled")
        items = []
        for index, line in enumerate(order.lines):
            refunded = order.refunds if index == 0 else ()
            items.append({
                "oid": int(line_id(order, index)), "num_iid": int(self.listing(line.sku)["num_iid"]),
                "outer_sku_id": line.sku, "title": line.title,
                "price": yuan(line.price), "num": line.quantity, "total_fee": yuan(line.amount),
                "payment": yuan(line.amount), "discount_fee": "0.00", "adjust_fee": "0.00",
                "refund_status": REFUND_STATUS[refunded[-1].status] if refunded else "NO_REFUND",
                "status": status,
                **({"refund_id": int(refund_number(order, len(refunded) - 1))} if refunded else {}),
            })
        return {
            "tid": int(order.order_id), "tid_str": order.order_id, "type": "fixed", "status": status,
            "buyer_nick": order.buyer_name, "buyer_open_uid": order.buyer_id,
            "created": local_text(order.created_at), "pay_time": local_text(order.paid_at),
            "modified": local_text(order.updated_at),
            **({"end_time": local_text(order.updated_at)} if finished else {}),
            "total_fee": yuan(order.goods), "discount_fee": yuan(order.discount), "adjust_fee": "0.00",
            "post_fee": yuan(order.shipping_fee), "payment": yuan(order.total),
            "receiver_name": order.buyer_name, "receiver_mobile": order.phone, "receiver_state": order.place[0],
            "receiver_city": order.place[1], "receiver_district": order.place[2],
            "receiver_address": order.address, "orders": {"order": items},
        }

    def _refund(self, order: Order, index: int) -> dict[str, Any]:
        refund, line = order.refunds[index], order.lines[0]
        return {
            "refund_id": int(refund_number(order, index)), "tid": int(order.order_id),
            "oid": int(line_id(order, 0)), "title": line.title, "num": 1, "total_fee": yuan(line.amount),
            "refund_fee": yuan(refund.amount), "status": REFUND_STATUS[refund.status],
            "order_status": STATUS[order.status], "reason": refund.reason,
            "created": local_text(refund.created_at), "modified": local_text(refund.created_at),
            "refund_phase": "aftersale",
        }

    def is_stock(self, path: str, query: dict[str, str], body: Any) -> bool:
        return super().is_stock(path, query, body) and gateway_params(query, body).get("method") == STOCK_METHOD

    def stock_update(self, query: dict[str, str], body: Any, path: str = "") -> list[tuple[str, int]]:
        params = gateway_params(query, body)
        sku = known(param(params, "outer_id"))
        if params.get("num_iid") and params["num_iid"] != self.listing(sku)["num_iid"]:
            raise UnknownListing(f"item {params['num_iid']} has no SKU {sku}")
        quantity = whole(params, "quantity")
        if params.get("type", "1") != "1":
            raise Refused("only full quantity updates (type 1) are simulated")
        return [(sku, quantity)]

    def stock_answer(self, pairs: list[tuple[str, int]]) -> dict[str, Any]:
        sku, quantity = pairs[0]
        return {"item_quantity_update_response": {"item": {
            "num_iid": int(self.listing(sku)["num_iid"]), "quantity": quantity}}}

    def refusal(self, error: Refused) -> tuple[int, dict[str, Any]]:
        return 200, {"error_response": {"code": 15, "msg": "Remote service error",
                                        "sub_code": "isv.invalid-parameter", "sub_msg": str(error)}}
