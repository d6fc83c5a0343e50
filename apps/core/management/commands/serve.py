"""``manage.py serve``: the whole of Weft in one command — web, Celery worker and beat.

This is what ``make run`` starts. It refuses to start on an unmigrated database
(beat's DatabaseScheduler and every request would fail), collects static files
for whitenoise, then supervises the three processes (see ``supervisor.py``): one
that crashes is started again with backoff while the others keep running, and
everything stops on Ctrl-C or when a process cannot start at all.
"""

from __future__ import annotations

import importlib.util
import os
import sys
from typing import Any

from django.conf import settings
from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.migrations.executor import MigrationExecutor
from django.utils.translation import gettext as _

from apps.core import queues
from apps.core.management.supervisor import Child, Supervisor


def web_command(host: str, port: int, processes: int = 1, *, access_log: bool = False) -> list[str]:
    """The ASGI server: uvicorn (uvloop and httptools) when installed, else daphne.

    uvicorn answers several times more requests per core than daphne, which
    matters most for inbound webhooks. ``processes`` > 1 runs uvicorn's own
    supervisor with that many workers sharing the socket (daphne has one).
    Access logs are off unless asked: a line per request relayed through this
    supervisor costs more than answering the webhook.
    """
    python = [sys.executable, "-m"]
    if importlib.util.find_spec("uvicorn") is None:
        return [*python, "daphne", "-b", host, "-p", str(port), "apps.asgi:application"]
    argv = [*python, "uvicorn", "apps.asgi:application", "--host", host, "--port", str(port), "--lifespan", "off",
            "--no-server-header"]
    if processes > 1:
        argv += ["--workers", str(processes)]
    if not access_log:
        argv.append("--no-access-log")
    return argv


def worker_children(concurrency: int, *, per_queue: bool = False) -> list[Child]:
    """One worker consuming every queue, or one per queue group so that none waits behind another."""
    celery = [sys.executable, "-m", "celery", "-A", "apps", "worker"]
    if not per_queue:
        return [Child("worker", [*celery, "-n", "weft@%h", "-Q", ",".join(queues.all_queues()),
                                 "--concurrency", str(concurrency), "-l", "info"])]
    return [Child(f"worker-{group}", [*celery, "-n", f"weft-{group}@%h", "-Q", ",".join(queues.group_queues(group)),
                                      "--concurrency", str(concurrency), "-l", "info"])
            for group in queues.GROUPS]


def children(host: str, port: int, concurrency: int, web_processes: int = 1, *,
             access_log: bool = False, worker_per_queue: bool = False) -> list[Child]:
    """The programs; ``sys.executable -m`` keeps them in this virtualenv."""
    return [
        Child("web", web_command(host, port, web_processes, access_log=access_log)),
        *worker_children(concurrency, per_queue=worker_per_queue),
        # The scheduler (django_celery_beat's DatabaseScheduler) comes from settings.
        Child("beat", [sys.executable, "-m", "celery", "-A", "apps", "beat", "-l", "info"]),
    ]


class Command(BaseCommand):
    help = _("Run the web server, a Celery worker and Celery beat until Ctrl-C.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--host", default="127.0.0.1", help=_("Address to listen on (default: 127.0.0.1)."))
        parser.add_argument("--port", type=int, default=int(os.environ.get("PORT", "8000")),
                            help=_("Port to listen on (default: $PORT or 8000)."))
        parser.add_argument("--concurrency", type=int, default=2, help=_("Celery worker processes (default: 2)."))
        parser.add_argument("--web-processes", type=int, default=settings.WEFT_WEB_PROCESSES,
                            help=_("Web server processes (default: $WEFT_WEB_PROCESSES or 1)."))
        parser.add_argument("--access-log", action="store_true", help=_("Print a line per HTTP request."))
        parser.add_argument("--worker-per-queue", action="store_true",
                            default=settings.WEFT_WORKER_PER_QUEUE,
                            help=_("Start one Celery worker per queue (intake, runs, events, maintenance, "
                                   "outbound) instead of one for all (default: $WEFT_WORKER_PER_QUEUE)."))
        parser.add_argument("--stop-timeout", type=float, default=30.0,
                            help=_("Seconds to wait for a graceful stop before killing; a second Ctrl-C kills at once (default: 30)."))

    def handle(self, *args: Any, **options: Any) -> None:
        self._require_migrated()
        call_command("collectstatic", interactive=False, verbosity=0)
        connections.close_all()  # the children open their own
        self.stdout.write(_("Weft on http://%(host)s:%(port)s/ — press Ctrl-C to stop.")
                          % {"host": options["host"], "port": options["port"]})
        supervisor = Supervisor(
            children(options["host"], options["port"], options["concurrency"], options["web_processes"],
                     access_log=options["access_log"], worker_per_queue=options["worker_per_queue"]),
            out=sys.stdout,
            env={**os.environ, "PYTHONUNBUFFERED": "1"},  # so that lines are relayed as they come
            cwd=str(settings.BASE_DIR),
            stop_timeout=options["stop_timeout"],
        )
        code = supervisor.run()
        if code:
            sys.exit(code)

    def _require_migrated(self) -> None:
        executor = MigrationExecutor(connections[DEFAULT_DB_ALIAS])
        plan = executor.migration_plan(executor.loader.graph.leaf_nodes())
        if plan:
            raise CommandError(_("%(count)d migrations are not applied; run: python manage.py migrate")
                               % {"count": len(plan)})
