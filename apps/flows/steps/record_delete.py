"""``record.delete``: remove one record (its history and outbox event are written by the service)."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from apps.forms.errors import RecordNotFound
from apps.forms.selectors import record_of
from apps.forms.services.records import delete_record

from ._records import (
    FORM,
    ID_VALUE,
    check_form_step,
    export_record,
    form_of,
    import_record,
    record_id,
)
from .base import StepType, step_types

if TYPE_CHECKING:
    from apps.forms.fields import TransferContext

    from ..engine.context import StepContext
    from ..validation import FlowChecker


@step_types.register
class RecordDelete(StepType):
    """``missing_ok`` makes deleting an already deleted record a no-op instead of an error."""

    type = "record.delete"
    label = _("Delete record")
    schema = {"form": FORM, "record": ID_VALUE, "missing_ok": {"type": "boolean"}}
    required = ("form", "record")

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        check_form_step(step, path, checker, data=False)

    def export(self, step: dict, ctx: TransferContext) -> dict:
        return export_record(step, ctx)

    def import_(self, step: dict, ctx: TransferContext) -> dict:
        return import_record(step, ctx)

    def execute(self, step: dict, ctx: StepContext) -> Any:
        form = form_of(ctx)
        pk = record_id(ctx)
        try:
            record = record_of(form, pk)
        except RecordNotFound:
            if step.get("missing_ok"):
                return {"id": pk, "deleted": False}
            raise
        delete_record(record, member=ctx.actor)
        return {"id": pk, "deleted": True}
