"""Invented orders with realistic lives: paid, then shipped and completed, or cancelled, or refunded.

Everything is driven by a seeded random generator so that a run can be
repeated exactly. Times are UTC; money is exact Decimal in yuan.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime, timedelta
from decimal import Decimal

CATALOG = (
    ("SKU-1001", "保温杯 500ml 黑色", Decimal("59.00")),
    ("SKU-1002", "保温杯 500ml 白色", Decimal("59.00")),
    ("SKU-2001", "帆布托特包", Decimal("39.90")),
    ("SKU-3001", "无线充电器 15W", Decimal("89.00")),
    ("SKU-3002", "Type-C 数据线 1m", Decimal("19.90")),
    ("SKU-4001", "手冲咖啡滤纸 100 张", Decimal("12.80")),
    ("SKU-5001", "羊毛袜 三双装", Decimal("45.00")),
    ("SKU-6001", "香薰蜡烛 雪松", Decimal("68.00")),
)
NAMES = ("张伟", "王芳", "李娜", "刘洋", "陈静", "杨帆", "赵磊", "黄敏", "周杰", "吴婷")
PLACES = (("浙江省", "杭州市", "西湖区"), ("广东省", "深圳市", "南山区"), ("上海市", "上海市", "浦东新区"),
          ("北京市", "北京市", "朝阳区"), ("四川省", "成都市", "武侯区"))
CENT = Decimal("0.01")


@dataclass(frozen=True)
class Line:
    line_id: str
    sku: str
    title: str
    quantity: int
    price: Decimal

    @property
    def amount(self) -> Decimal:
        return (self.price * self.quantity).quantize(CENT)


@dataclass(frozen=True)
class Refund:
    refund_id: str
    amount: Decimal
    status: str
    reason: str
    created_at: datetime


@dataclass(frozen=True)
class Order:
    """One state of an order; a change makes a new state with a later ``updated_at``."""

    channel: str
    order_id: str
    status: str
    lines: tuple[Line, ...]
    buyer_id: str
    buyer_name: str
    phone: str
    place: tuple[str, str, str]
    address: str
    created_at: datetime
    updated_at: datetime
    paid_at: datetime | None
    shipping_fee: Decimal = Decimal("0.00")
    discount: Decimal = Decimal("0.00")
    refunds: tuple[Refund, ...] = field(default_factory=tuple)
    sequence: int = 0

    @property
    def goods(self) -> Decimal:
        return sum((line.amount for line in self.lines), Decimal("0.00"))

    @property
    def total(self) -> Decimal:
        return (self.goods + self.shipping_fee - self.discount).quantize(CENT)

    @property
    def refunded(self) -> Decimal:
        return sum((r.amount for r in self.refunds if r.status == "success"), Decimal("0.00"))


class Shop:
    """Makes new orders for a channel and the next state of existing ones."""

    def __init__(self, channel: str, seed: int = 1, prefix: str | None = None):
        self.channel = channel
        self.random = random.Random(f"{channel}:{seed}")
        self.prefix = prefix or str(self.random.randint(10, 99))
        self.count = 0

    def new_order(self, now: datetime | None = None) -> Order:
        now = (now or datetime.now(UTC)).replace(microsecond=0)
        self.count += 1
        rng = self.random
        picks = rng.sample(CATALOG, rng.choice((1, 1, 2, 2, 3)))
        lines = tuple(Line(f"{self.count}{i + 1:02d}", sku, title, rng.choice((1, 1, 1, 2, 3)), price)
                      for i, (sku, title, price) in enumerate(picks))
        name = rng.choice(NAMES)
        goods = sum((line.amount for line in lines), Decimal("0.00"))
        discount = Decimal("5.00") if goods >= Decimal("99") else Decimal("0.00")
        return Order(
            channel=self.channel, order_id=f"{self.prefix}{now:%y%m%d}{self.count:06d}", status="paid", lines=lines,
            buyer_id=f"b{rng.randint(100000, 999999)}", buyer_name=name, phone=f"138****{rng.randint(1000, 9999)}",
            place=rng.choice(PLACES), address=f"{rng.choice(('文一路', '科技园', '世纪大道', '建国路'))}"
                                              f"{rng.randint(1, 300)}号",
            created_at=now - timedelta(seconds=rng.randint(5, 60)), updated_at=now, paid_at=now,
            shipping_fee=Decimal("0.00") if goods >= Decimal("49") else Decimal("6.00"), discount=discount)

    def advance(self, order: Order, now: datetime | None = None) -> Order | None:
        """The order's next state (shipped, completed, a cancellation or a refund), or None at the end."""
        now = max((now or datetime.now(UTC)).replace(microsecond=0), order.updated_at + timedelta(seconds=1))
        roll = self.random.random()
        if order.status == "paid":
            status = "cancelled" if roll < 0.1 else "shipped"
            return replace(order, status=status, updated_at=now, sequence=order.sequence + 1)
        if order.status == "shipped":
            return replace(order, status="completed", updated_at=now, sequence=order.sequence + 1)
        if order.status == "completed" and roll < 0.3 and not order.refunds:
            line = order.lines[0]
            refund = Refund(f"R{order.order_id}", line.price, "success", "七天无理由退货", now)
            whole = refund.amount >= order.total
            return replace(order, status="refunded" if whole else "completed", refunds=(refund,), updated_at=now,
                           sequence=order.sequence + 1)
        return None
