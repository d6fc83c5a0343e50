"""``record.update``: change some fields of one record, optionally only if nobody changed it meanwhile."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from apps.forms.selectors import record_of
from apps.forms.services.records import update_record

from ._records import (
    DATA,
    FORM,
    ID_VALUE,
    check_form_step,
    data_of,
    export_record,
    form_of,
    import_record,
    record_id,
    record_output,
)
from .base import StepType, step_types

if TYPE_CHECKING:
    from apps.forms.fields import TransferContext

    from ..engine.context import StepContext
    from ..validation import FlowChecker


@step_types.register
class RecordUpdate(StepType):
    """``version`` (optional) turns on optimistic locking: a stale version fails with ``stale_version``."""

    type = "record.update"
    label = _("Update record")
    schema = {"form": FORM, "record": ID_VALUE, "data": DATA, "version": ID_VALUE}
    required = ("form", "record", "data")

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        check_form_step(step, path, checker)

    def export(self, step: dict, ctx: TransferContext) -> dict:
        return export_record(step, ctx)

    def import_(self, step: dict, ctx: TransferContext) -> dict:
        return import_record(step, ctx)

    def execute(self, step: dict, ctx: StepContext) -> Any:
        form = form_of(ctx)
        record = record_of(form, record_id(ctx))
        version = ctx.option("version")
        expected = None if version in (None, "") else record_id(ctx, "version", version)
        record = update_record(record, data_of(ctx), member=ctx.actor, expected_version=expected, partial=True)
        return record_output(form, record)
