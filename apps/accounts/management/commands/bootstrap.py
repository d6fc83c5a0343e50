"""``manage.py bootstrap``: make a fresh database usable and say how to reach it.

Run by ``make run`` after ``migrate`` on every start, so it must be idempotent: it
creates the demo owner, workspace and API token only while no workspace exists,
and registers the periodic tasks beat needs.
"""

from __future__ import annotations

import os
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.db import transaction
from django.utils.translation import gettext as _

from apps.accounts.services import ensure_demo
from apps.core.schedules import ensure_periodic_tasks

DEMO_USERNAME = "owner"
# A documented demo login, printed on purpose (ensure_demo() uses the same defaults).
DEMO_PASSWORD = "weft-demo"


class Command(BaseCommand):
    help = _("Create the demo workspace if none exists, register periodic tasks and print how to log in.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--port", type=int, default=int(os.environ.get("PORT", "8000")),
            help=_("Port shown in the printed URL (default: $PORT or 8000)."),
        )
        parser.add_argument("--host", default="127.0.0.1", help=_("Host shown in the printed URL."))

    def handle(self, *args: Any, **options: Any) -> None:
        with transaction.atomic():
            member, raw_token = ensure_demo(DEMO_USERNAME, DEMO_PASSWORD)
            created_tasks = ensure_periodic_tasks()
        for name in created_tasks:
            self.stdout.write(_("Scheduled periodic task “%(name)s”.") % {"name": name})

        url = f"http://{options['host']}:{options['port']}"
        username = member.user.get_username()
        workspace = member.workspace
        self.stdout.write(self.style.SUCCESS(_("Weft is at %(url)s/") % {"url": url}))
        if raw_token is not None:
            self.stdout.write(_("Created the workspace “%(name)s” (%(slug)s) and its owner.")
                              % {"name": workspace.name, "slug": workspace.slug})
            self.stdout.write(_("Sign in: %(url)s/ — user “%(user)s”, password “%(password)s” (change it).")
                              % {"url": url, "user": username, "password": DEMO_PASSWORD})
            self.stdout.write(_("API token (shown only once): %(token)s") % {"token": raw_token})
            self.stdout.write(_("Try: curl -H 'Authorization: Bearer %(token)s' %(url)s/api/v1/forms/")
                              % {"token": raw_token, "url": url})
        else:
            self.stdout.write(_("Sign in: %(url)s/ — user “%(user)s” (the demo password is “%(password)s” unless it was changed).")
                              % {"url": url, "user": username, "password": DEMO_PASSWORD})
            self.stdout.write(_("API tokens are shown only when created. Make a new one with: "
                                "python manage.py create_token %(user)s --workspace %(slug)s")
                              % {"user": username, "slug": workspace.slug})
        self.stdout.write(_("API schema: %(url)s/api/schema/ — docs: %(url)s/api/docs/") % {"url": url})
