"""One simulation: prepare the workspace, start the channels' server, send until the plan ends.

The server is left running (the caller stops it) so that pulls and stock
pushes can still reach it after the last webhook was sent.
"""

from __future__ import annotations

from dataclasses import dataclass

from apps.accounts.models import Workspace

from .players.base import Player
from .sender import Plan, Sender
from .server import ChannelServer, ChannelState
from .setup import Prepared, prepare


@dataclass
class Simulation:
    server: ChannelServer
    sender: Sender
    prepared: Prepared

    @property
    def state(self) -> ChannelState:
        return self.server.state


def start(workspace: Workspace, players: dict[str, Player], plan: Plan, *, weft_url: str, port: int = 0
          ) -> Simulation:
    """Prepare and start serving; ``simulation.sender.run()`` then sends (blocking)."""
    server = ChannelServer(players, ChannelState(), port=port)
    prepared = prepare(workspace, players, weft_url=weft_url, simulator_url=server.url,
                       allow=f"127.0.0.1:{server.httpd.server_address[1]}")
    server.start()
    return Simulation(server, Sender(players, prepared.targets, server.state, plan), prepared)
