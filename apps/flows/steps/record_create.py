"""``record.create``: add a record to a form, validated exactly as if a person had submitted it."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext_lazy as _

from apps.forms.services.records import create_record

from ._records import DATA, FORM, check_form_step, data_of, form_of, record_output
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker


@step_types.register
class RecordCreate(StepType):
    """Runs in the step's transaction, so the record and the journal row commit together (exactly once)."""

    type = "record.create"
    label = _("Create record")
    schema = {"form": FORM, "data": DATA}
    required = ("form",)

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        check_form_step(step, path, checker)

    def execute(self, step: dict, ctx: StepContext) -> Any:
        form = form_of(ctx)
        record = create_record(form, data_of(ctx), member=ctx.actor)
        return record_output(form, record)
