"""The channels' side of the wire, on loopback: pull APIs that serve the latest order states, and
stock-update endpoints that record what Weft pushed.

``/<channel>/...`` is routed to that channel's player; ``/_status`` answers
what was served and received, for people and tests.
"""

from __future__ import annotations

import json
import threading
from collections import defaultdict
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlsplit

from .players.base import Player, Refused, flat_query
from .shop import Order


class ChannelState:
    """What the simulated channels hold: the latest state of each order, and the stock pushes received."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.orders: dict[str, dict[str, Order]] = defaultdict(dict)
        self.pushes: list[dict[str, Any]] = []
        self.stock: dict[tuple[str, str], int] = {}
        self.pull_requests: dict[str, int] = defaultdict(int)

    def publish(self, order: Order) -> None:
        with self.lock:
            self.orders[order.channel][order.order_id] = order

    def latest(self, channel: str) -> list[Order]:
        with self.lock:
            orders = list(self.orders[channel].values())
        return sorted(orders, key=lambda o: (o.updated_at, o.order_id))

    def received(self, channel: str, pairs: list[tuple[str, int]]) -> None:
        now = datetime.now(UTC).isoformat()
        with self.lock:
            for sku, quantity in pairs:
                self.pushes.append({"channel": channel, "sku": sku, "quantity": quantity, "at": now})
                self.stock[(channel, sku)] = quantity

    def summary(self) -> dict[str, Any]:
        with self.lock:
            return {"orders": {c: len(o) for c, o in self.orders.items()}, "pull_requests": dict(self.pull_requests),
                    "stock_pushes": len(self.pushes),
                    "stock": {f"{c}:{s}": q for (c, s), q in sorted(self.stock.items())}}


class ChannelServer:
    def __init__(self, players: dict[str, Player], state: ChannelState | None = None, host: str = "127.0.0.1",
                 port: int = 0):
        self.players = players
        self.state = state or ChannelState()
        self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        self.httpd.daemon_threads = True
        self.thread: threading.Thread | None = None

    @property
    def url(self) -> str:
        host, port = self.httpd.server_address[:2]
        return f"http://{host}:{port}"

    def base_url(self, channel: str) -> str:
        return f"{self.url}/{channel}"

    def start(self) -> ChannelServer:
        self.thread = threading.Thread(target=self.httpd.serve_forever, name="channel-simulator", daemon=True)
        self.thread.start()
        return self

    def stop(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()

    def answer(self, method: str, target: str, body: bytes) -> tuple[int, dict[str, Any]]:
        parts = urlsplit(target)
        segments = parts.path.strip("/").split("/", 1)
        if parts.path == "/_status":
            return 200, self.state.summary()
        player = self.players.get(segments[0])
        if player is None:
            return 404, {"error": "unknown channel"}
        rest = "/" + (segments[1] if len(segments) > 1 else "")
        query = flat_query(parts.query)
        try:
            payload = json.loads(body) if body else {}
        except ValueError:
            payload = flat_query(body.decode("utf-8", errors="replace"))
        try:
            if player.pulled and rest.rstrip("/") == player.pull_path.rstrip("/") and player.is_pull(query, payload):
                with self.state.lock:
                    self.state.pull_requests[player.type] += 1
                return 200, player.pull_answer(self.state.latest(player.type), query, payload)
            if player.is_stock(rest, query, payload):
                pairs = player.stock_update(query, payload, rest)
                self.state.received(player.type, pairs)
                return 200, player.stock_answer(pairs)
        except Refused as error:
            return player.refusal(error)
        return 404, {"error": f"no such API: {method} {rest}"}


def _handler(server: ChannelServer) -> type[BaseHTTPRequestHandler]:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def _serve(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length) if length else b""
            status, answer = server.answer(self.command, self.path, body)
            data = json.dumps(answer, ensure_ascii=False).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        do_GET = do_POST = do_PUT = _serve

        def log_message(self, *args: Any) -> None:
            pass

    return Handler
