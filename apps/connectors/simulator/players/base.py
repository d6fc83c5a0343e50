"""How a channel looks from outside: its order payloads, its pull API and its stock-update requests.

A player renders the simulator's orders in one channel's documented shapes
(the same shapes the channel's adapter document reads), answers that
channel's pull requests and understands its stock-update requests.

The channel's own ids of a SKU (``listing``) are derived from the shop's
catalog, so the simulator's setup can give Weft's channel account the same
ids (``stock_listing``) that the player maps back when a stock update
arrives. Request signatures are not checked: the simulator stands in for the
channel's data, not for its gateway security.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import UTC, datetime
from decimal import Decimal
from functools import cache
from typing import Any
from urllib.parse import parse_qs
from zoneinfo import ZoneInfo

from apps.core.registry import Registry, RegistryType

from ..shop import CATALOG, CENT, Order

BEIJING = ZoneInfo("Asia/Shanghai")


class Refused(ValueError):
    """A request the channel refuses (a missing parameter, an unknown product): it answers with its own error."""


class UnknownListing(Refused):
    """A stock update names a product the channel does not list."""


class Player(RegistryType):
    """One channel. ``credentials`` are what its adapter's requests read from the account's credentials,
    so the simulator's setup can give Weft's account exactly these."""

    pushed = True
    pulled = False
    pull_path = ""
    stock_path = ""
    credentials: dict[str, Any] = {"app_key": "sim", "app_secret": "sim"}

    def webhook(self, order: Order) -> dict[str, Any]:
        """The body the channel posts when ``order`` reaches this state (for a pulled-only channel: the order
        as its pull API lists it)."""
        raise NotImplementedError

    def pull_answer(self, orders: list[Order], query: dict[str, str], body: Any) -> dict[str, Any]:
        """The channel's answer to a pull request (``orders`` are the latest states, oldest update first)."""
        raise NotImplementedError

    def is_pull(self, query: dict[str, str], body: Any) -> bool:
        """Whether a request to ``pull_path`` asks for orders (some gateways serve every API at one path)."""
        return True

    def is_stock(self, path: str, query: dict[str, str], body: Any) -> bool:
        """Whether a request to ``path`` sets stock (a gateway names the API in a parameter instead)."""
        return bool(self.stock_path) and path.rstrip("/") == self.stock_path.rstrip("/")

    def stock_update(self, query: dict[str, str], body: Any, path: str = "") -> list[tuple[str, int]]:
        """(SKU, quantity) pairs a stock-update request sets; raises UnknownListing for ids not listed."""
        raise NotImplementedError

    def stock_answer(self, pairs: list[tuple[str, int]]) -> dict[str, Any]:
        """The channel's answer to a stock update it applied."""
        return {"success": True}

    def refusal(self, error: Refused) -> tuple[int, dict[str, Any]]:
        """The channel's HTTP status and error answer to a request it refuses."""
        return 400, {"error": str(error)}

    def listing(self, sku: str) -> dict[str, str]:
        """The channel's own ids of ``sku``, as the adapter's ``listing`` variable expects them."""
        return {}

    def stock_listing(self, field: str = "sku") -> dict[str, str]:
        """``listing`` as expressions over a stock record (a channel account's ``stock_listing``)."""
        names: dict[str, dict[str, str]] = {}
        for sku in skus():
            for name, value in self.listing(sku).items():
                names.setdefault(name, {})[sku] = value
        return {name: "{{ " + repr(table) + f".get(record.{field}) }}}}" for name, table in names.items()}

    def sku_of(self, name: str, value: Any) -> str:
        """The SKU whose listing id ``name`` is ``value``."""
        for sku in skus():
            if self.listing(sku).get(name) == str(value):
                return sku
        raise UnknownListing(f"no product with {name} {value}")


players: Registry[Player] = Registry("simulated channel")


def flat_query(raw: str) -> dict[str, str]:
    return {k: v[-1] for k, v in parse_qs(raw, keep_blank_values=True).items()}


def skus() -> list[str]:
    return [sku for sku, _title, _price in CATALOG]


@cache
def products() -> dict[str, tuple[int, int]]:
    """SKU → (product number, variant number; 0 for a product sold in one variant), from the catalog.

    SKUs whose titles differ only in their last word (the 500 ml cup in black
    and in white) are variants of one product, as channels list them.
    """
    stems: dict[str, list[str]] = {}
    for sku, title, _price in CATALOG:
        stems.setdefault(title.rsplit(" ", 1)[0], []).append(sku)
    found = {}
    for number, group in enumerate(stems.values(), start=1):
        for variant, sku in enumerate(group, start=1):
            found[sku] = (number, variant if len(group) > 1 else 0)
    return found


def param(values: Any, name: str) -> Any:
    """A required request parameter; its absence is refused as the channel would."""
    if not isinstance(values, dict) or values.get(name) in (None, ""):
        raise Refused(f"missing parameter {name}")
    return values[name]


def whole(values: Any, name: str) -> int:
    try:
        return int(str(param(values, name)).strip())
    except ValueError:
        raise Refused(f"parameter {name} is not a whole number") from None


def known(sku: str) -> str:
    if sku not in products():
        raise UnknownListing(f"no product with SKU {sku}")
    return sku


def yuan(amount: Decimal) -> str:
    """Money as the channels write it in text: two places, no exponent."""
    return format(amount.quantize(CENT), "f")


def fen(amount: Decimal) -> int:
    return int((amount * 100).to_integral_value())


def local_text(moment: datetime | None, zone: ZoneInfo = BEIJING) -> str:
    """``yyyy-MM-dd HH:mm:ss`` on the channel's clock; empty for none."""
    return moment.astimezone(zone).strftime("%Y-%m-%d %H:%M:%S") if moment else ""


def iso(moment: datetime | None, zone: ZoneInfo = BEIJING) -> str | None:
    """ISO 8601 with the channel's offset; none stays none."""
    return moment.astimezone(zone).isoformat() if moment else None


def read_local(text: str, zone: ZoneInfo = BEIJING) -> datetime:
    return datetime.strptime(text.strip(), "%Y-%m-%d %H:%M:%S").replace(tzinfo=zone).astimezone(UTC)


def unix(moment: datetime | None) -> int:
    return int(moment.timestamp()) if moment else 0


def from_unix(value: Any) -> datetime:
    return datetime.fromtimestamp(int(value), UTC)


def within(orders: Iterable[Order], since: datetime, until: datetime) -> list[Order]:
    """Orders updated in ``[since, until]``, both ends included, oldest update first.

    Both ends are included because the cursor is the latest update time
    already read: an order updated in that same second must still be served.
    """
    found = [o for o in orders if since <= o.updated_at <= until]
    return sorted(found, key=lambda o: (o.updated_at, o.order_id))


def page_of(orders: list[Order], page: int, size: int) -> list[Order]:
    """One page (1-based) of ``orders``."""
    page, size = max(1, page), max(1, size)
    return orders[(page - 1) * size:page * size]


def line_id(order: Order, index: int) -> str:
    """A line's id unique across the channel, as channels number sub-orders."""
    return f"{order.order_id}{index + 1:02d}"


def refund_number(order: Order, index: int) -> str:
    return f"9{order.order_id}{index + 1:02d}"


def gateway_params(query: dict[str, str], body: Any) -> dict[str, Any]:
    """A gateway call's parameters: its query and its form (or JSON object) together."""
    return {**query, **(body if isinstance(body, dict) else {})}
