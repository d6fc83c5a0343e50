"""``record.upsert``: create the record with this unique key, or update the one that already has it.

This is how order intake stays idempotent: the same platform order arriving
twice updates one record instead of making two.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from apps.forms.services.records import upsert_record

from ._records import DATA, FORM, check_form_step, data_of, form_of, record_output
from .base import StepType, step_types

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker


@step_types.register
class RecordUpsert(StepType):
    type = "record.upsert"
    label = gettext_lazy("Create or update record")
    schema = {"form": FORM, "data": DATA}
    required = ("form", "data")

    def check(self, step: dict, path: str, checker: FlowChecker) -> None:
        form = check_form_step(step, path, checker)
        if form is not None and not form.definition.get("unique_key"):
            checker.error(f"{path}.form", _("form '%(form)s' has no unique key, so records cannot be upserted")
                          % {"form": form.key})

    def execute(self, step: dict, ctx: StepContext) -> Any:
        form = form_of(ctx)
        record, created = upsert_record(form, data_of(ctx), member=ctx.actor)
        return record_output(form, record, created=created)
