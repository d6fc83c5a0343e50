"""Playing the channels' webhooks: new orders and their updates at a chosen rate, signed as each
endpoint expects, with the misbehaviours real channels show (bursts, duplicate deliveries, updates
arriving out of order).

Pulled channels are not sent anything: their new states are published to the
simulator's pull API for Weft to fetch.
"""

from __future__ import annotations

import http.client
import json
import random
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from urllib.parse import urlsplit

from ..verification import modes
from .players.base import Player
from .server import ChannelState
from .shop import Order, Shop


@dataclass
class Target:
    """Where and how a pushed channel's webhooks go."""

    url: str
    verification: dict
    secret: str


@dataclass
class Plan:
    rate: float = 5.0
    duration: float | None = None
    total: int | None = None
    burst_every: float = 0.0
    burst_size: int = 20
    duplicate_rate: float = 0.05
    out_of_order_rate: float = 0.05
    update_share: float = 0.4
    seed: int = 1


@dataclass
class Stats:
    counts: Counter = field(default_factory=Counter)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, name: str, n: int = 1) -> None:
        with self.lock:
            self.counts[name] += n

    def snapshot(self) -> dict[str, int]:
        with self.lock:
            return dict(self.counts)


class Sender:
    def __init__(self, players: dict[str, Player], targets: dict[str, Target], state: ChannelState, plan: Plan):
        self.players, self.targets, self.state, self.plan = players, targets, state, plan
        self.random = random.Random(plan.seed)
        self.shops = {key: Shop(key, plan.seed) for key in players}
        self.open: dict[str, list[Order]] = {key: [] for key in players}
        self.held: list[tuple[str, Order]] = []
        self.last: dict[str, tuple[str, bytes]] = {}
        self.connections: dict[str, http.client.HTTPConnection] = {}
        self.stats = Stats()
        self.stopping = threading.Event()

    def stop(self) -> None:
        self.stopping.set()

    def run(self) -> Stats:
        """Send until the plan's duration or total is reached, or ``stop()``."""
        started = time.monotonic()
        interval = 1.0 / self.plan.rate if self.plan.rate > 0 else 0.0
        next_at, next_burst, made = started, started + (self.plan.burst_every or 0), 0
        while not self.stopping.is_set():
            now = time.monotonic()
            if self.plan.duration is not None and now - started >= self.plan.duration:
                break
            if self.plan.total is not None and made >= self.plan.total:
                break
            if self.plan.burst_every and now >= next_burst:
                for _ in range(self.plan.burst_size):
                    self.step()
                made += self.plan.burst_size
                next_burst = now + self.plan.burst_every
                self.stats.add("bursts")
                continue
            if now < next_at:
                self.stopping.wait(min(next_at - now, 0.2))
                continue
            self.step()
            made += 1
            next_at += interval
        self.flush()
        for connection in self.connections.values():
            connection.close()
        return self.stats

    def step(self) -> None:
        """One thing happens on one channel: a new order, or the next state of an open one."""
        channel = self.random.choice(sorted(self.players))
        shop, orders = self.shops[channel], self.open[channel]
        if orders and self.random.random() < self.plan.update_share:
            index = self.random.randrange(len(orders))
            following = shop.advance(orders[index])
            if following is None:
                orders.pop(index)
                return
            orders[index] = following
            self.stats.add("updates")
            if following.status == "cancelled":
                self.stats.add("cancellations")
            if following.refunds and following.refunds[-1].created_at == following.updated_at:
                self.stats.add("refunds")
            if self.random.random() < self.plan.out_of_order_rate and self.players[channel].pushed:
                self.state.publish(following)
                self.held.append((channel, following))
                self.stats.add("held_back")
                return
            self.emit(channel, following)
        else:
            order = shop.new_order()
            orders.append(order)
            self.stats.add("orders")
            self.emit(channel, order)

    def emit(self, channel: str, order: Order) -> None:
        self.state.publish(order)
        player = self.players[channel]
        if not player.pushed or channel not in self.targets:
            return
        delivery_id, body = self._deliver(channel, order)
        if self.held and self.random.random() < 0.5:
            self.stats.add("sent_late")
            self._deliver(*self.held.pop(0))
        if self.random.random() < self.plan.duplicate_rate:
            self.stats.add("duplicates_sent")
            self.send(channel, delivery_id, body)

    def flush(self) -> None:
        while self.held:
            self._deliver(*self.held.pop(0))

    def _deliver(self, channel: str, order: Order) -> tuple[str, bytes]:
        """Post the channel's webhook for this state of the order under a new delivery id."""
        delivery_id = f"evt_{uuid.uuid4().hex}"
        body = json.dumps(self.players[channel].webhook(order), ensure_ascii=False).encode()
        self.send(channel, delivery_id, body)
        return delivery_id, body

    def send(self, channel: str, delivery_id: str, body: bytes) -> int:
        target = self.targets[channel]
        options = {k: v for k, v in target.verification.items() if k != "mode"}
        headers = modes.get(target.verification["mode"]).sign(options, target.secret, body, delivery_id=delivery_id,
                                                               timestamp=int(time.time()))
        headers.update({"Content-Type": "application/json", "User-Agent": f"weft-simulator/{channel}"})
        status = self._post(channel, target.url, body, headers)
        self.stats.add({202: "accepted", 200: "acknowledged_duplicates"}.get(status, f"status_{status}"))
        return status

    def _post(self, channel: str, url: str, body: bytes, headers: dict) -> int:
        parts = urlsplit(url)
        for attempt in range(2):
            connection = self.connections.get(channel)
            if connection is None:
                connection = http.client.HTTPConnection(parts.hostname, parts.port or 80, timeout=30)
                self.connections[channel] = connection
            try:
                connection.request("POST", parts.path + (f"?{parts.query}" if parts.query else ""), body, headers)
                answer = connection.getresponse()
                answer.read()
                return answer.status
            except (OSError, http.client.HTTPException):
                connection.close()
                self.connections.pop(channel, None)
                if attempt:
                    self.stats.add("connection_errors")
        return 0
