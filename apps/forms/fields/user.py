"""A member of the workspace (assignee, buyer's account manager): one member id, or a list."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .base import TransferContext, field_types
from .references import IdValued, literal_id, located_error, map_default, parse_id, parse_ids


@field_types.register
class UserField(IdValued):
    type = "user"
    label = _("Member")
    options_schema = {"multiple": {"type": "boolean"}}
    value_schema = {"oneOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]}

    def export(self, field: dict, ctx: TransferContext) -> dict:
        """A default member travels as the member's username."""
        return map_default(field, lambda item: ctx.username_of(literal_id(item)) if literal_id(item) else None,
                           _("%(value)s is not a member of this workspace"))

    def import_(self, field: dict, ctx: TransferContext) -> dict:
        return map_default(field, lambda item: ctx.member_id(item) if isinstance(item, str) else None,
                           _("there is no member '%(value)s' in this workspace"))

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        from apps.accounts.models import Member

        multiple = self.multiple(field)
        ids = parse_ids(value, multiple)
        found = set(
            Member.objects.filter(workspace=ctx.workspace, id__in=ids).values_list("id", flat=True)
        )
        errors = {
            (f"[{index}]" if multiple else ""): [
                _("%(id)s is not a member of this workspace") % {"id": member_id}
            ]
            for index, member_id in enumerate(ids)
            if member_id not in found
        }
        if errors:
            raise located_error(errors)
        return self.stored(ids, field)

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        """'me' is the member asking, so a saved view 'assigned to me' works for everyone."""
        if value == "me" and getattr(ctx, "member", None) is not None:
            return ctx.member.id
        if isinstance(value, list):
            return [self.filter_value(item, field, ctx) for item in value]
        return parse_id(value)
