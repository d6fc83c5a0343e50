"""JD POP as jingdong.pop.order.search serves it, behind the ``/routerjson`` gateway.

Yuan as text, Beijing time as ``yyyy-MM-dd HH:mm:ss``; the API's arguments
are the JSON text of ``360buy_param_json``. The order search carries no
refunds (JD's after-sale API has them): a refunded order still reads as
finished there. Stock arrives as jingdong.stock.write.updateSkuStock by JD's
skuId.
"""

from __future__ import annotations

import json
from typing import Any

from ..shop import Order
from .base import (
    Player,
    Refused,
    gateway_params,
    local_text,
    page_of,
    param,
    players,
    products,
    read_local,
    whole,
    within,
    yuan,
)

STATUS = {"paid": "WAIT_SELLER_STOCK_OUT", "shipped": "WAIT_GOODS_RECEIVE_CONFIRM", "completed": "FINISHED_L",
          "refunded": "FINISHED_L", "cancelled": "TRADE_CANCELED", "refunding": "LOCKED"}
PULL_METHOD = "jingdong.pop.order.search"
STOCK_METHOD = "jingdong.stock.write.updateSkuStock"


@players.register
class JD(Player):
    type = "jd"
    pushed = False
    pulled = True
    pull_path = stock_path = "/routerjson"
    credentials = {"app_key": "sim", "app_secret": "sim", "access_token": "sim"}

    def listing(self, sku: str) -> dict[str, str]:
        product, variant = products()[sku]
        return {"sku_id": str(100000000000 + product * 100 + variant)}

    def webhook(self, order: Order) -> dict[str, Any]:
        return {
            "orderId": order.order_id, "orderType": "22", "payType": "4-在线支付",
            "orderTotalPrice": yuan(order.goods), "orderSellerPrice": yuan(order.goods - order.discount),
            "orderPayment": yuan(order.total), "freightPrice": yuan(order.shipping_fee),
            "sellerDiscount": yuan(order.discount), "orderState": STATUS[order.status],
            "orderStartTime": local_text(order.created_at), "paymentConfirmTime": local_text(order.paid_at),
            "modified": local_text(order.updated_at), "pin": order.buyer_id,
            "consigneeInfo": {"fullname": order.buyer_name, "telephone": "", "mobile": order.phone,
                              "fullAddress": "".join(order.place) + order.address, "province": order.place[0],
                              "city": order.place[1], "county": order.place[2], "town": ""},
            "itemInfoList": [{"skuId": self.listing(line.sku)["sku_id"], "outerSkuId": line.sku,
                              "skuName": line.title, "jdPrice": yuan(line.price), "itemTotal": str(line.quantity),
                              "wareId": str(10000000 + products()[line.sku][0])} for line in order.lines],
        }

    def _arguments(self, query: dict[str, str], body: Any) -> dict[str, Any]:
        try:
            arguments = json.loads(param(gateway_params(query, body), "360buy_param_json"))
        except ValueError:
            raise Refused("360buy_param_json is not JSON") from None
        if not isinstance(arguments, dict):
            raise Refused("360buy_param_json is not an object")
        return arguments

    def is_pull(self, query: dict[str, str], body: Any) -> bool:
        return gateway_params(query, body).get("method") == PULL_METHOD

    def pull_answer(self, orders: list[Order], query: dict[str, str], body: Any) -> dict[str, Any]:
        arguments = self._arguments(query, body)
        start, end = param(arguments, "start_date"), param(arguments, "end_date")
        try:
            since, until = read_local(str(start)), read_local(str(end))
        except ValueError:
            raise Refused("start_date and end_date are yyyy-MM-dd HH:mm:ss") from None
        states = {s for s in str(arguments.get("order_state") or "").split(",") if s}
        found = [o for o in within(orders, since, until) if not states or STATUS[o.status] in states]
        page = page_of(found, whole(arguments, "page"), whole(arguments, "page_size"))
        return {"jingdong_pop_order_search_responce": {"code": "0", "searchorderinfo_result": {
            "apiResult": {"success": True, "englishErr": "", "chineseErr": "", "numberCode": 10100000},
            "orderTotal": len(found), "orderInfoList": [self.webhook(o) for o in page]}}}

    def is_stock(self, path: str, query: dict[str, str], body: Any) -> bool:
        return super().is_stock(path, query, body) and gateway_params(query, body).get("method") == STOCK_METHOD

    def stock_update(self, query: dict[str, str], body: Any, path: str = "") -> list[tuple[str, int]]:
        arguments = self._arguments(query, body)
        return [(self.sku_of("sku_id", param(arguments, "skuId")), whole(arguments, "stockNum"))]

    def stock_answer(self, pairs: list[tuple[str, int]]) -> dict[str, Any]:
        return {"jingdong_stock_write_updateSkuStock_responce": {"code": "0", "success": True}}

    def refusal(self, error: Refused) -> tuple[int, dict[str, Any]]:
        return 200, {"error_response": {"code": "19", "zh_desc": str(error), "en_desc": str(error)}}
