"""抖店 (Douyin Shop): its relay's ``{"order", "after_sales"}`` pushes, and order.searchList for pulls.

Fen as integers, Unix seconds. The shop's refunds are after-sales of type 0
(return and refund) on the first line; a fully refunded order is closed
(order_status 4), as 抖店 closes it. Pulled orders carry no after-sales.
Stock arrives as sku.syncStock by merchant code and product_id.
"""

from __future__ import annotations

from typing import Any

from ..shop import Line, Order
from .base import (
    Player,
    Refused,
    UnknownListing,
    fen,
    from_unix,
    known,
    line_id,
    page_of,
    param,
    players,
    products,
    refund_number,
    unix,
    whole,
    within,
)

ORDER_STATUS = {"paid": 2, "shipped": 3, "completed": 5, "refunded": 4, "cancelled": 4, "pending": 1}
STATUS_TEXT = {1: "待支付", 2: "备货中", 3: "已发货", 4: "已取消", 5: "已完成"}
AFTERSALE_STATUS = {"success": 12, "pending": 6, "rejected": 27, "closed": 28}
SUCCESS = {"code": 10000, "msg": "success", "sub_code": "", "sub_msg": ""}


@players.register
class Douyin(Player):
    type = "douyin"
    pushed = True
    pulled = True
    pull_path = "/order/searchList"
    stock_path = "/sku/syncStock"
    credentials = {"app_key": "sim", "app_secret": "sim", "access_token": "sim"}

    def listing(self, sku: str) -> dict[str, str]:
        product, _variant = products()[sku]
        return {"product_id": str(3580000000000000000 + product)}

    def webhook(self, order: Order) -> dict[str, Any]:
        return {"order": self._shop_order(order),
                "after_sales": [self._after_sale(order, index) for index in range(len(order.refunds))]}

    def _shop_order(self, order: Order) -> dict[str, Any]:
        status = ORDER_STATUS[order.status]
        return {
            "order_id": order.order_id, "order_level": 2, "order_type": 0, "order_status": status,
            "order_status_desc": STATUS_TEXT[status], "b_type": 2, "b_type_desc": "抖音",
            "create_time": unix(order.created_at), "pay_time": unix(order.paid_at),
            "update_time": unix(order.updated_at),
            "finish_time": unix(order.updated_at) if order.status == "completed" else 0,
            "order_amount": fen(order.total), "pay_amount": fen(order.total), "post_amount": fen(order.shipping_fee),
            "promotion_amount": fen(order.discount), "promotion_shop_amount": fen(order.discount),
            "promotion_platform_amount": 0, "pay_type": 1, "doudian_open_id": order.buyer_id,
            "mask_post_receiver": order.buyer_name, "mask_post_tel": order.phone,
            "mask_post_addr": {"province": {"name": order.place[0]}, "city": {"name": order.place[1]},
                               "town": {"name": order.place[2]}, "detail": order.address},
            "sku_order_list": [self._sku_order(order, index, line) for index, line in enumerate(order.lines)],
        }

    def _sku_order(self, order: Order, index: int, line: Line) -> dict[str, Any]:
        product_id = self.listing(line.sku)["product_id"]
        status = ORDER_STATUS[order.status]
        return {
            "order_id": line_id(order, index), "parent_order_id": order.order_id, "order_level": 3,
            "product_id": int(product_id), "product_id_str": product_id, "product_name": line.title,
            "code": line.sku, "out_sku_id": "0", "item_num": line.quantity, "origin_amount": fen(line.price),
            "order_amount": fen(line.amount), "pay_amount": fen(line.amount), "order_status": status,
            "order_status_desc": STATUS_TEXT[status], "create_time": unix(order.created_at),
            "pay_time": unix(order.paid_at),
        }

    def _after_sale(self, order: Order, index: int) -> dict[str, Any]:
        refund = order.refunds[index]
        return {
            "aftersale_info": {
                "aftersale_id": refund_number(order, index), "aftersale_order_type": 1, "aftersale_type": 0,
                "aftersale_status": AFTERSALE_STATUS[refund.status], "aftersale_num": 1,
                "refund_amount": fen(refund.amount), "refund_post_amount": 0,
                "refund_status": 3 if refund.status == "success" else 1, "apply_time": unix(refund.created_at),
                "update_time": unix(refund.created_at)},
            "order_info": {"shop_order_id": order.order_id,
                           "related_order_info": [{"sku_order_id": line_id(order, 0), "item_num": 1}]},
            "text_part": {"reason_text": refund.reason},
        }

    def is_pull(self, query: dict[str, str], body: Any) -> bool:
        return query.get("method", "order.searchList") == "order.searchList"

    def pull_answer(self, orders: list[Order], query: dict[str, str], body: Any) -> dict[str, Any]:
        """Pages are numbered from 0, as order.searchList numbers them."""
        since, until = whole(body, "update_time_start"), whole(body, "update_time_end")
        found = within(orders, from_unix(since), from_unix(until))
        page, size = whole(body, "page"), whole(body, "size")
        return {**SUCCESS, "data": {"page": page, "size": size, "total": len(found), "shop_order_list": [
            self._shop_order(o) for o in page_of(found, page + 1, size)]}}

    def is_stock(self, path: str, query: dict[str, str], body: Any) -> bool:
        return super().is_stock(path, query, body) and query.get("method", "sku.syncStock") == "sku.syncStock"

    def stock_update(self, query: dict[str, str], body: Any, path: str = "") -> list[tuple[str, int]]:
        sku = known(param(body, "code"))
        if str(param(body, "product_id")) != self.listing(sku)["product_id"]:
            raise UnknownListing(f"product {body['product_id']} has no SKU {sku}")
        if body.get("incremental"):
            raise Refused("only full stock updates (incremental false) are simulated")
        return [(sku, whole(body, "stock_num"))]

    def stock_answer(self, pairs: list[tuple[str, int]]) -> dict[str, Any]:
        return {**SUCCESS, "data": {}}

    def refusal(self, error: Refused) -> tuple[int, dict[str, Any]]:
        return 200, {"code": 50002, "msg": str(error), "sub_code": "isv.business-failed", "sub_msg": str(error),
                     "data": {}}
