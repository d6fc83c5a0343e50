"""``manage.py create_token <username> [--workspace slug]``: issue an API token.

Tokens are stored hashed, so a lost one cannot be shown again; this is how an
operator gets a new one without the API (which itself needs a token).
"""

from __future__ import annotations

from typing import Any

from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils.translation import gettext as _

from apps.accounts.models import Member
from apps.accounts.services import issue_token


class Command(BaseCommand):
    help = _("Issue a new API token for a workspace member and print it once.")

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("username", help=_("The member's username."))
        parser.add_argument("--workspace", metavar="SLUG",
                            help=_("Workspace slug; needed when the user belongs to several."))
        parser.add_argument("--name", default="cli", help=_("A label for the token (default: cli)."))

    def handle(self, *args: Any, **options: Any) -> None:
        member = self._member(options["username"], options["workspace"])
        token, raw = issue_token(member, options["name"])
        if options["verbosity"] >= 1:
            self.stderr.write(_("Token “%(name)s” for %(user)s in “%(workspace)s” (shown only once):")
                              % {"name": token.name, "user": member.user.get_username(),
                                 "workspace": member.workspace.slug})
        # The raw token alone on stdout, so that scripts can capture it.
        self.stdout.write(raw)

    def _member(self, username: str, slug: str | None) -> Member:
        user_model = get_user_model()
        user = user_model.objects.filter(**{user_model.USERNAME_FIELD: username}).first()
        if user is None:
            raise CommandError(_("No user named “%(user)s”.") % {"user": username})
        members = Member.objects.select_related("workspace", "user").filter(user=user)
        if slug:
            member = members.filter(workspace__slug=slug).first()
            if member is None:
                raise CommandError(_("“%(user)s” is not a member of the workspace “%(slug)s”.")
                                   % {"user": username, "slug": slug})
            return member
        found = list(members.order_by("workspace__slug")[:2])
        if not found:
            raise CommandError(_("“%(user)s” is not a member of any workspace.") % {"user": username})
        if len(found) > 1:
            slugs = ", ".join(members.order_by("workspace__slug").values_list("workspace__slug", flat=True))
            raise CommandError(_("“%(user)s” belongs to several workspaces (%(slugs)s); pass --workspace.")
                               % {"user": username, "slugs": slugs})
        return found[0]
