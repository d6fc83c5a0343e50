"""A link to records of another form (or the same one) in the same workspace, by record id."""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from .base import DefinitionContext, TransferContext, field_types
from .references import IdValued, literal_id, located_error, map_default, parse_ids


@field_types.register
class RelationField(IdValued):
    type = "relation"
    label = _("Link to records")
    options_schema = {
        "form": {"type": "string", "pattern": "^[a-z][a-z0-9_]{0,63}$"},
        "multiple": {"type": "boolean"},
    }
    value_schema = {"oneOf": [{"type": "integer"}, {"type": "array", "items": {"type": "integer"}}]}
    sample_field: dict[str, Any] = {"form": "products", "multiple": True}

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        from apps.forms.models import Form

        target = field.get("form")
        if not target:
            return {"form": [_("is required: the key of the form to link to")]}
        if ctx.workspace is None or target == ctx.form_key:
            return {}
        if not Form.objects.filter(workspace=ctx.workspace, key=target).exists():
            return {"form": [_("there is no form '%(key)s' in this workspace") % {"key": target}]}
        return {}

    def export(self, field: dict, ctx: TransferContext) -> dict:
        """A default record travels as its unique key in the linked form."""
        target = field.get("form")
        return map_default(
            field, lambda item: ctx.unique_key_of(target, literal_id(item)) if literal_id(item) else None,
            _("%(value)s is not a record with a unique key in the linked form, so no other workspace can find it"))

    def import_(self, field: dict, ctx: TransferContext) -> dict:
        target = field.get("form")
        return map_default(field, lambda item: ctx.record_id(target, item) if isinstance(item, str) else None,
                           _("the linked form has no record with the unique key '%(value)s' in this workspace"))

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        from apps.forms.models import Record

        multiple = self.multiple(field)
        ids = parse_ids(value, multiple)
        found = set(
            Record.objects.filter(
                workspace=ctx.workspace,
                form__workspace=ctx.workspace,
                form__key=field["form"],
                id__in=ids,
            ).values_list("id", flat=True)
        )
        message = _("%(id)s is not a record of the form '%(form)s'")
        errors = {
            (f"[{index}]" if multiple else ""): [message % {"id": record_id, "form": field["form"]}]
            for index, record_id in enumerate(ids)
            if record_id not in found
        }
        if errors:
            raise located_error(errors)
        return self.stored(ids, field)
