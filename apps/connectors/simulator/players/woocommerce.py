"""WooCommerce's order webhooks (the REST API v3 Order) and its product and variation updates.

Money as store-currency text (line prices as JSON numbers), times twice: on
the site's clock and as ``*_gmt`` (UTC without an offset). WooCommerce has no
shipped status: a shipped order stays processing until it is completed.
Refunds are listed with negative totals. Stock arrives as a PUT of the product
or, for a variable product, of its variation.
"""

from __future__ import annotations

import re
from datetime import UTC, datetime
from typing import Any

from ..shop import Order
from .base import (
    BEIJING,
    Player,
    Refused,
    UnknownListing,
    line_id,
    param,
    players,
    products,
    refund_number,
    skus,
    whole,
    yuan,
)

STATUS = {"paid": "processing", "shipped": "processing", "completed": "completed", "refunded": "refunded",
          "cancelled": "cancelled", "pending": "pending"}
STOCK_PATH = re.compile(r"^/wp-json/wc/v3/products/(?P<product>\d+)(?:/variations/(?P<variation>\d+))?/?$")


def site_time(moment: datetime | None) -> str | None:
    return moment.astimezone(BEIJING).strftime("%Y-%m-%dT%H:%M:%S") if moment else None


def gmt(moment: datetime | None) -> str | None:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S") if moment else None


@players.register
class WooCommerce(Player):
    type = "woocommerce"
    credentials = {"consumer_key": "ck_sim", "consumer_secret": "cs_sim"}

    def listing(self, sku: str) -> dict[str, str]:
        product, variant = products()[sku]
        found = {"product_id": str(800 + product)}
        if variant:
            found["variation_id"] = str(900 + product * 10 + variant)
        return found

    def webhook(self, order: Order) -> dict[str, Any]:
        completed = order.updated_at if order.status == "completed" and not order.refunds else None
        person = {"first_name": order.buyer_name, "last_name": "", "address_1": order.place[2] + order.address,
                  "address_2": "", "city": order.place[1], "state": order.place[0], "country": "CN",
                  "phone": order.phone}
        return {
            "id": int(order.order_id), "parent_id": 0, "number": order.order_id, "status": STATUS[order.status],
            "currency": "CNY", "date_created": site_time(order.created_at), "date_created_gmt": gmt(order.created_at),
            "date_modified": site_time(order.updated_at), "date_modified_gmt": gmt(order.updated_at),
            "date_paid": site_time(order.paid_at), "date_paid_gmt": gmt(order.paid_at),
            "date_completed": site_time(completed), "date_completed_gmt": gmt(completed),
            "discount_total": yuan(order.discount), "shipping_total": yuan(order.shipping_fee),
            "total": yuan(order.total), "total_tax": "0.00", "customer_id": int(order.buyer_id.lstrip("b")),
            "billing": {**person, "email": ""}, "shipping": person, "payment_method": "alipay",
            "line_items": [{
                "id": int(line_id(order, index)), "name": line.title, "sku": line.sku,
                "product_id": int(self.listing(line.sku)["product_id"]),
                "variation_id": int(self.listing(line.sku).get("variation_id", 0)), "quantity": line.quantity,
                "price": float(line.price), "subtotal": yuan(line.amount), "total": yuan(line.amount),
            } for index, line in enumerate(order.lines)],
            "refunds": [{"id": int(refund_number(order, index)), "reason": refund.reason,
                         "total": "-" + yuan(refund.amount)}
                        for index, refund in enumerate(order.refunds) if refund.status == "success"],
        }

    def is_stock(self, path: str, query: dict[str, str], body: Any) -> bool:
        return bool(STOCK_PATH.match(path))

    def stock_update(self, query: dict[str, str], body: Any, path: str = "") -> list[tuple[str, int]]:
        """A variable product's own stock is not a SKU's: only its variations are accepted."""
        match = STOCK_PATH.match(path)
        wanted = {"product_id": match["product"], **({"variation_id": match["variation"]} if match["variation"]
                                                        else {})} if match else {}
        sku = next((s for s in skus() if self.listing(s) == wanted), None)
        if sku is None:
            raise UnknownListing("Invalid ID.")
        if param(body, "manage_stock") is not True:
            raise Refused("manage_stock must be true to set stock_quantity")
        return [(sku, whole(body, "stock_quantity"))]

    def stock_answer(self, pairs: list[tuple[str, int]]) -> dict[str, Any]:
        sku, quantity = pairs[0]
        listing = self.listing(sku)
        return {"id": int(listing.get("variation_id") or listing["product_id"]), "sku": sku, "manage_stock": True,
                "stock_quantity": quantity, "stock_status": "instock" if quantity > 0 else "outofstock"}

    def refusal(self, error: Refused) -> tuple[int, dict[str, Any]]:
        if isinstance(error, UnknownListing):
            return 404, {"code": "woocommerce_rest_product_invalid_id", "message": str(error), "data": {"status": 404}}
        return 400, {"code": "rest_invalid_param", "message": str(error), "data": {"status": 400}}

