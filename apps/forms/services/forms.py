"""Form definition use cases: create, change (versioned, compatibility-checked), delete."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.db.models import ProtectedError
from django.utils.translation import gettext as _

from apps.accounts.models import Member, Workspace
from apps.audit import services as audit
from apps.core.errors import ValidationFailed

from ..definitions import changed_fields, check_definition, evolve
from ..errors import FormInUse, FormKeyTaken, IncompatibleChange
from ..fields.base import DefinitionContext, FieldValueError, WriteContext, field_types
from ..models import App, Form, FormVersion, Record

MAX_BLOCKING_REPORTED = 100


def label_text(label, lang: str = "en") -> str:
    if isinstance(label, dict):
        return label.get(lang) or label.get("en") or label.get("zh-hans") or next(iter(label.values()), "")
    return label or ""


@transaction.atomic
def create_form(workspace: Workspace, definition: dict, *, member: Member | None, app: App | None = None) -> Form:
    check_definition(definition, DefinitionContext(workspace, definition.get("key")))
    if Form.objects.filter(workspace=workspace, key=definition["key"]).exists():
        raise FormKeyTaken(errors={"key": [FormKeyTaken.default_message]})
    try:
        with transaction.atomic():
            form = Form.objects.create(
                workspace=workspace,
                app=app,
                key=definition["key"],
                name=label_text(definition["name"])[:200],
                definition=definition,
                version=1,
                created_by=member,
                updated_by=member,
            )
    except IntegrityError:
        raise FormKeyTaken(errors={"key": [FormKeyTaken.default_message]}) from None
    FormVersion.objects.create(form=form, version=1, definition=definition, created_by=member)
    audit.record(workspace, member, "form.created", form, {"definition": definition})
    return form


@transaction.atomic
def update_form(form: Form, definition: dict, *, member: Member | None) -> Form:
    """Store ``definition`` as the next version, unless existing records would break.

    Dropped fields are kept as removed; a changed field is re-checked against
    every stored value, and the change is refused with the blocking records.
    """
    form = Form.objects.select_for_update().get(pk=form.pk)
    if definition.get("key", form.key) != form.key:
        raise ValidationFailed({"key": [_("the key of a form cannot change")]})
    definition = {**definition, "key": form.key}
    check_definition(definition, DefinitionContext(form.workspace, form.key))
    previous = form.definition
    new = evolve(previous, definition)
    if new == previous:
        return form
    conversions = _check_compatible(form, previous, new)
    diff = audit.json_diff(previous, new)
    form.definition = new
    form.version += 1
    form.name = label_text(new["name"])[:200]
    form.updated_by = member
    form.save(update_fields=["definition", "version", "name", "updated_by", "updated_at"])
    FormVersion.objects.create(form=form, version=form.version, definition=new, created_by=member)
    _convert(form, conversions)
    audit.record(form.workspace, member, "form.updated", form, {"version": form.version, "changes": diff})
    return form


def _check_compatible(form: Form, previous: dict, new: dict) -> dict[int, dict]:
    """Re-check stored values of changed fields; return the records whose values the new types rewrite.

    A compatible change (text "12" to integer 12) converts the stored values so
    that filters and sorting see one type; an incompatible one is refused.
    """
    fields = [f for f in changed_fields(previous, new) if field_types.get(f["type"]).stored_in_data]
    fields = [f for f in fields if not field_types.get(f["type"]).computed]
    conversions: dict[int, dict] = {}
    if not fields:
        return conversions
    ctx = WriteContext(workspace=form.workspace, form=form, creating=False)
    errors: dict[str, list] = {}
    blocking: dict[str, list[int]] = {}
    counts: dict[str, int] = {}
    for record_id, data in Record.objects.filter(form=form).values_list("id", "data").iterator(chunk_size=2000):
        for field in fields:
            ftype = field_types.get(field["type"])
            value = data.get(field["key"])
            if ftype.is_empty(value):
                continue
            try:
                converted = ftype.normalize(value, {**field, "required": False}, ctx)
            except FieldValueError:
                counts[field["key"]] = counts.get(field["key"], 0) + 1
                ids = blocking.setdefault(field["key"], [])
                if len(ids) < MAX_BLOCKING_REPORTED:
                    ids.append(record_id)
                continue
            if converted != value:
                conversions.setdefault(record_id, dict(data))[field["key"]] = converted
    for key, ids in blocking.items():
        errors[key] = [
            _("%(n)s existing record(s) hold values that the new definition refuses, e.g. records %(ids)s")
            % {"n": counts[key], "ids": ", ".join(map(str, ids[:10]))}
        ]
    if errors:
        raise IncompatibleChange(errors=errors, extra={"blocking_records": blocking})
    return conversions


def _convert(form: Form, conversions: dict[int, dict]) -> None:
    from .records import unique_key_of

    batch = []
    for record in Record.objects.filter(pk__in=list(conversions)).iterator(chunk_size=1000):
        record.data = conversions[record.pk]
        record.unique_key = unique_key_of(form, record.data)
        record.form_version = form.version
        batch.append(record)
    Record.objects.bulk_update(batch, ["data", "unique_key", "form_version"], batch_size=1000)


@transaction.atomic
def delete_form(form: Form, *, member: Member | None) -> None:
    """Refused while another definition (an endpoint, a channel account...) points at the form."""
    audit.record(form.workspace, member, "form.deleted", form, {"definition": form.definition})
    try:
        with transaction.atomic():
            form.delete()
    except ProtectedError as exc:
        users = sorted({f"{obj._meta.verbose_name} '{getattr(obj, 'key', obj.pk)}'" for obj in exc.protected_objects})
        message = _("This form is used by %(users)s; change or delete them first.") % {"users": ", ".join(users[:20])}
        raise FormInUse(message, extra={"used_by": users[:MAX_BLOCKING_REPORTED]}) from None
