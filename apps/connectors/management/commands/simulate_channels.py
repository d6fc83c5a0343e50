"""``manage.py simulate_channels``: play several sales channels against a running Weft.

It prepares the workspace (forms, one endpoint and one channel account per
channel, the loopback address on the workspace's allow-list), starts the
channels' side on loopback (pull APIs, stock-update receivers) and sends
signed order webhooks at the chosen rate, with bursts, duplicates and late
updates, printing what happened every few seconds. Ctrl-C stops it.
"""

from __future__ import annotations

import threading
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from apps.accounts.models import Workspace

from ...simulator.players import players as registry
from ...simulator.run import start
from ...simulator.sender import Plan, Sender
from ...simulator.server import ChannelState


class Command(BaseCommand):
    help = _("Play sales channels against a running Weft: signed order webhooks, pull APIs, stock pushes.")

    def add_arguments(self, parser: CommandParser) -> None:
        names = ", ".join(p.type for p in registry.all())
        parser.add_argument("--workspace", help=_("Workspace slug (default: the only or first workspace)."))
        parser.add_argument("--weft", default="http://127.0.0.1:8000", help=_("Weft's address."))
        parser.add_argument("--channels", default="all", help=_("Comma-separated channels (%(names)s) or all.")
                            % {"names": names})
        parser.add_argument("--port", type=int, default=8125, help=_("Port of the simulated channels."))
        parser.add_argument("--rate", type=float, default=5.0, help=_("Events per second."))
        parser.add_argument("--duration", type=float, default=None, help=_("Stop after so many seconds."))
        parser.add_argument("--orders", type=int, default=None, help=_("Stop after so many events."))
        parser.add_argument("--burst-every", type=float, default=30.0, help=_("Seconds between bursts (0: none)."))
        parser.add_argument("--burst-size", type=int, default=20, help=_("Events per burst."))
        parser.add_argument("--duplicates", type=float, default=0.05, help=_("Share of deliveries sent twice."))
        parser.add_argument("--out-of-order", type=float, default=0.05,
                            help=_("Share of updates held back and sent after a later one."))
        parser.add_argument("--seed", type=int, default=1)
        parser.add_argument("--report-every", type=float, default=5.0)

    def handle(self, *args: Any, **options: Any) -> None:
        workspace = self._workspace(options["workspace"])
        chosen = self._players(options["channels"])
        plan = Plan(rate=options["rate"], duration=options["duration"], total=options["orders"],
                    burst_every=options["burst_every"], burst_size=options["burst_size"],
                    duplicate_rate=options["duplicates"], out_of_order_rate=options["out_of_order"],
                    seed=options["seed"])
        simulation = start(workspace, chosen, plan, weft_url=options["weft"], port=options["port"])
        server, sender, state = simulation.server, simulation.sender, simulation.state
        self.stdout.write(_("Channels on %(url)s; sending to %(weft)s for workspace “%(ws)s”.")
                          % {"url": server.url, "weft": options["weft"], "ws": workspace.slug})
        for key, player in sorted(chosen.items()):
            how = {(True, False): _("pushes webhooks"), (False, True): _("is pulled every 5 s"),
                   (True, True): _("pushes webhooks and is pulled every 5 s")}[(player.pushed, player.pulled)]
            self.stdout.write(f"  {key}: {how}")
        done = threading.Event()
        reporter = threading.Thread(target=self._report, args=(sender, state, done, options["report_every"]),
                                    daemon=True)
        reporter.start()
        try:
            sender.run()
        except KeyboardInterrupt:
            sender.stop()
        finally:
            done.set()
            reporter.join(timeout=2)
            self._print(sender, state)
            server.stop()

    def _workspace(self, slug: str | None) -> Workspace:
        workspaces = Workspace.objects.order_by("id")
        workspace = workspaces.filter(slug=slug).first() if slug else workspaces.first()
        if workspace is None:
            raise CommandError(_("No workspace %(slug)s: run `make run` once, or pass --workspace.")
                               % {"slug": slug or ""})
        return workspace

    def _players(self, wanted: str) -> dict:
        known = {p.type: p for p in registry.all()}
        if wanted == "all":
            return known
        chosen = {}
        for name in (n.strip() for n in wanted.split(",") if n.strip()):
            if name not in known:
                raise CommandError(_("Unknown channel “%(name)s”; known: %(known)s")
                                   % {"name": name, "known": ", ".join(sorted(known))})
            chosen[name] = known[name]
        return chosen

    def _report(self, sender: Sender, state: ChannelState, done: threading.Event, every: float) -> None:
        while not done.wait(every):
            self._print(sender, state)

    def _print(self, sender: Sender, state: ChannelState) -> None:
        counts = sender.stats.snapshot()
        summary = state.summary()
        self.stdout.write(_("sent: %(counts)s | pulls served: %(pulls)s | stock pushes received: %(pushes)d")
                          % {"counts": ", ".join(f"{k}={v}" for k, v in sorted(counts.items())) or "-",
                             "pulls": sum(summary["pull_requests"].values()), "pushes": summary["stock_pushes"]})
