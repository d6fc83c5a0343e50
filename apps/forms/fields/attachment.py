"""Files uploaded to the workspace (invoices, photos of damaged goods), referenced by Attachment id."""

from __future__ import annotations

import re
from fnmatch import fnmatch
from typing import Any

from django.utils.translation import gettext_lazy as _

from apps.core.errors import ValidationFailed

from .base import DefinitionContext, FieldValueError, TransferContext, field_types
from .references import IdValued, parse_ids

MIME_PATTERN = re.compile(r"[\w.+-]+/(\*|[\w.+-]+)")


def accepted(content_type: str, patterns: list[str]) -> bool:
    return any(fnmatch(content_type.lower(), pattern.lower()) for pattern in patterns)


@field_types.register
class AttachmentField(IdValued):
    type = "attachment"
    label = _("Files")
    options_schema = {
        "max_files": {"type": "integer", "minimum": 1, "maximum": 100},
        "accept": {
            "type": "array",
            "items": {"type": "string", "maxLength": 100},
            "minItems": 1,
            "maxItems": 50,
        },
    }
    value_schema = {"type": "array", "items": {"type": "integer"}}
    filter_ops = ("empty", "not_empty")
    sortable = False
    can_be_unique = False
    sample_field: dict[str, Any] = {}

    def multiple(self, field: dict) -> bool:
        return True

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        return {
            f"accept[{index}]": [
                _("must be a MIME type or pattern such as image/* or application/pdf")
            ]
            for index, pattern in enumerate(field.get("accept") or [])
            if not MIME_PATTERN.fullmatch(pattern)
        }

    def export(self, field: dict, ctx: TransferContext) -> dict:
        """Files stay in their workspace, so a default file cannot travel."""
        if self.is_empty(field.get("default")):
            return field
        raise ValidationFailed({"default": [_("files cannot be carried to another workspace; remove the default")]})

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        from apps.forms.models import Attachment

        ids = parse_ids(value, True)
        limit = field.get("max_files")
        if limit is not None and len(ids) > limit:
            raise FieldValueError(_("at most %(n)d files may be attached") % {"n": limit})
        files = {a.id: a for a in Attachment.objects.filter(workspace=ctx.workspace, id__in=ids)}
        patterns = field.get("accept")
        errors: dict[str, list[Any]] = {}
        for index, file_id in enumerate(ids):
            attachment = files.get(file_id)
            if attachment is None:
                errors[f"[{index}]"] = [
                    _("file %(id)s was not found in this workspace") % {"id": file_id}
                ]
            elif patterns and not accepted(attachment.content_type, patterns):
                errors[f"[{index}]"] = [
                    _("'%(name)s' is of type %(type)s; allowed: %(accept)s")
                    % {
                        "name": attachment.name,
                        "type": attachment.content_type or "?",
                        "accept": ", ".join(patterns),
                    }
                ]
        if errors:
            raise FieldValueError(errors=errors)
        return ids

    def to_api(self, value: Any, field: dict) -> Any:
        """Name, size and type beside each id, in the stored order, so a client can list files without more calls."""
        from apps.forms.models import Attachment

        if not value:
            return []
        rows = Attachment.objects.filter(id__in=value).values("id", "name", "size", "content_type")
        by_id = {row["id"]: row for row in rows}
        return [by_id[file_id] for file_id in value if file_id in by_id]
