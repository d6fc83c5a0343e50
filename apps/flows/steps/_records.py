"""What the record steps share: finding the form and record an option names, and the record as output."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from django.utils.translation import gettext as _

from apps.core.errors import ValidationFailed
from apps.forms.conversion import record_data
from apps.forms.fields import TransferContext
from apps.forms.models import Form, Record
from apps.forms.selectors import counters_of, get_form

from ..engine.signals import StepError

if TYPE_CHECKING:
    from ..engine.context import StepContext
    from ..validation import FlowChecker

FORM = {"type": "string", "minLength": 1, "maxLength": 200}
ID_VALUE = {"type": ["integer", "string"]}
DATA = {"type": ["object", "string"]}


_OPTION = object()


def form_of(ctx: StepContext, option: str = "form", key: Any = _OPTION) -> Form:
    """The form named by ``option`` (an expression may compute the key) in the run's workspace."""
    key = ctx.option(option) if key is _OPTION else key
    if not isinstance(key, str) or not key:
        raise StepError(_("%(where)s: must name a form") % {"where": ctx.where(option)}, code="invalid_option")
    return get_form(ctx.workspace, key)


def record_id(ctx: StepContext, option: str = "record", value: Any = _OPTION) -> int:
    """A record id from an option that may hold an id, its text, or a record output ``{"id": ...}``."""
    value = ctx.option(option) if value is _OPTION else value
    if isinstance(value, dict):
        value = value.get("id")
    if isinstance(value, bool):
        value = None
    try:
        return int(str(value).strip())
    except (TypeError, ValueError):
        raise StepError(_("%(where)s: '%(value)s' is not a record id") % {
            "where": ctx.where(option), "value": value}, code="invalid_record") from None


def data_of(ctx: StepContext, option: str = "data") -> dict:
    data = ctx.option(option, {})
    if not isinstance(data, dict):
        raise StepError(_("%(where)s: must be a mapping of field keys to values") % {"where": ctx.where(option)},
                        code="invalid_option")
    return data


def record_output(form: Form, record: Record, **extra: Any) -> dict:
    """The record as later steps see it: as the API shows it (decimals as text, counters included)."""
    counters = counters_of([record]).get(record.pk, {})
    return {"id": record.pk, "version": record.version, "data": record_data(form, record.data, counters), **extra}


def check_form_step(step: dict, path: str, checker: FlowChecker, *, data: bool = True) -> Form | None:
    """Expression syntax of every option, the form reference and the keys of ``data``."""
    checker.check_expressions(step, path, skip=("id", "type", "name"))
    form = checker.form(step.get("form"), f"{path}.form")
    if data:
        checker.fields_of(form, step.get("data"), f"{path}.data")
    return form


def _literal(value: Any) -> bool:
    return isinstance(value, str) and bool(value) and "{{" not in value and "{%" not in value


def export_record(step: dict, ctx: TransferContext, option: str = "record") -> dict:
    """A record named by its id in a form named by its key travels as ``{"unique_key": ...}``.

    Records named by an expression (the usual case: the trigger's record) travel as they are.
    """
    form, value = step.get("form"), step.get(option)
    if isinstance(value, bool) or not _literal(form):
        return step
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value.strip())
    if not isinstance(value, int):
        return step
    key = ctx.unique_key_of(form, value)
    if key is None:
        raise ValidationFailed({option: [_("%(id)s is not a record with a unique key in the form '%(form)s', "
                                           "so no other workspace can find it") % {"id": value, "form": form}]})
    return {**step, option: {"unique_key": key}}


def import_record(step: dict, ctx: TransferContext, option: str = "record") -> dict:
    """The inverse of ``export_record``: the unique key becomes the record's id in ``ctx.workspace``."""
    value = step.get(option)
    if not isinstance(value, dict) or set(value) != {"unique_key"}:
        return step
    record = ctx.record_id(str(step.get("form")), str(value["unique_key"]))
    if record is None:
        raise ValidationFailed({option: [_("the form '%(form)s' has no record with the unique key '%(key)s' "
                                           "in this workspace") % {"form": step.get("form"),
                                                                   "key": value["unique_key"]}]})
    return {**step, option: record}
