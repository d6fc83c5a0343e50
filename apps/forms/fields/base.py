"""The field-type contract.

A field type owns everything about one kind of value: its options' JSON Schema,
how input is validated and normalised into the stored JSON, how it is filtered,
sorted, exported and shown. The record service and the query layer only talk to
this interface, so a new type is one class in one module.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from dataclasses import field as dc_field
from datetime import datetime
from decimal import Decimal
from typing import TYPE_CHECKING, Any, ClassVar

from django.db.models import Expression, Q
from django.db.models.fields.json import KT
from django.db.models.lookups import (
    Contains,
    GreaterThan,
    GreaterThanOrEqual,
    LessThan,
    LessThanOrEqual,
)
from django.utils.translation import gettext_lazy as _

from apps.core.registry import Registry, RegistryType

if TYPE_CHECKING:
    from apps.accounts.models import Member, Workspace
    from apps.expressions import DefinitionChecks
    from apps.forms.models import Form, Record


class FieldValueError(Exception):
    """A value a person must correct; ``errors`` maps sub-paths (for subtables) to messages."""

    def __init__(self, message: Any = None, *, errors: dict[str, list[Any]] | None = None):
        self.errors = errors if errors is not None else {"": [message]}
        super().__init__(str(message) if message is not None else "invalid value")


@dataclass
class WriteContext:
    """What validation may need beyond the value itself."""

    workspace: Workspace
    form: Form
    member: Member | None = None
    record: Record | None = None
    now: datetime | None = None
    creating: bool = True
    cache: dict[str, Any] = dc_field(default_factory=dict)


def _definition_checks() -> DefinitionChecks:
    from apps.expressions import DefinitionChecks

    return DefinitionChecks()


@dataclass
class DefinitionContext:
    """What checking a field's definition may need: the workspace, to resolve references.

    ``expressions`` checks every formula of the one form being checked, so that
    together they stay within the bounds of a definition.
    """

    workspace: Workspace | None
    form_key: str | None = None
    expressions: DefinitionChecks = dc_field(default_factory=_definition_checks)


@dataclass
class TransferContext:
    """Moving definitions between workspaces: ``export`` turns ids of ``workspace`` into keys, ``import_`` back.

    ``members`` (username to member id) and ``records`` ((form key, unique key)
    to record id) hold keys already resolved in ``workspace``; an installer may
    fill them beforehand to map a template's people and rows onto its own.
    """

    workspace: Workspace
    members: dict[str, int] = dc_field(default_factory=dict)
    records: dict[tuple[str, str], int] = dc_field(default_factory=dict)

    def username_of(self, member_id: Any) -> str | None:
        from apps.accounts.models import Member

        for name, pk in self.members.items():
            if pk == member_id:
                return name
        name = (Member.objects.filter(workspace=self.workspace, pk=member_id)
                .values_list("user__username", flat=True).first())
        if name is not None:
            self.members[name] = int(member_id)
        return name

    def member_id(self, username: str) -> int | None:
        from apps.accounts.models import Member

        if username not in self.members:
            pk = (Member.objects.filter(workspace=self.workspace, user__username=username)
                  .values_list("pk", flat=True).first())
            if pk is None:
                return None
            self.members[username] = pk
        return self.members[username]

    def unique_key_of(self, form_key: str, record_id: Any) -> str | None:
        """The unique key of a record of the form; None when there is no such record or it has no key."""
        from apps.forms.models import Record

        key = (Record.objects.filter(workspace=self.workspace, form__key=form_key, pk=record_id)
               .values_list("unique_key", flat=True).first())
        if key is not None:
            self.records[(form_key, key)] = int(record_id)
        return key

    def record_id(self, form_key: str, unique_key: str) -> int | None:
        from apps.forms.models import Record

        if (form_key, unique_key) not in self.records:
            pk = (Record.objects.filter(workspace=self.workspace, form__key=form_key, unique_key=unique_key)
                  .values_list("pk", flat=True).first())
            if pk is None:
                return None
            self.records[(form_key, unique_key)] = pk
        return self.records[(form_key, unique_key)]


COMMON_OPS = ("eq", "ne", "in", "not_in", "empty", "not_empty")
RANGE_OPS = ("gt", "gte", "lt", "lte", "between")
TEXT_OPS = ("contains", "icontains", "startswith")

_RANGE_LOOKUPS = {"gt": GreaterThan, "gte": GreaterThanOrEqual, "lt": LessThan, "lte": LessThanOrEqual}


class FieldType(RegistryType):
    label: ClassVar[Any] = ""
    options_schema: ClassVar[dict[str, Any]] = {}
    value_schema: ClassVar[dict[str, Any]] = {}
    filter_ops: ClassVar[tuple[str, ...]] = COMMON_OPS
    sortable: ClassVar[bool] = True
    computed: ClassVar[bool] = False
    stored_in_data: ClassVar[bool] = True
    can_be_unique: ClassVar[bool] = True

    # --- definition ----------------------------------------------------------------
    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        """Checks beyond the JSON Schema (references, regexes); paths are relative to the field."""
        errors: dict[str, list[Any]] = {}
        regex = field.get("regex")
        if regex is not None:
            try:
                re.compile(regex)
            except re.error as exc:
                errors.setdefault("regex", []).append(_("is not a valid regular expression: %(e)s") % {"e": exc})
        return errors

    # --- moving between workspaces ---------------------------------------------------
    def export(self, field: dict, ctx: TransferContext) -> dict:
        """The definition with ids of ``ctx.workspace`` replaced by keys that mean the same elsewhere.

        Most options already name things by key, so by default nothing changes.
        Raise ``ValidationFailed`` with paths relative to the field for an id
        that cannot travel.
        """
        return field

    def import_(self, field: dict, ctx: TransferContext) -> dict:
        """An exported definition with its keys resolved in ``ctx.workspace``, the inverse of ``export``."""
        return field

    # --- values --------------------------------------------------------------------
    def is_empty(self, value: Any) -> bool:
        return value is None or value == "" or value == [] or value == {}

    def normalize(self, value: Any, field: dict, ctx: WriteContext) -> Any:
        """Turn non-empty input into the stored JSON value or raise FieldValueError."""
        raise NotImplementedError

    def compute(self, data: dict, field: dict, ctx: WriteContext) -> Any:
        """For computed types: the value, from the other (already normalised) values."""
        raise NotImplementedError

    def to_api(self, value: Any, field: dict) -> Any:
        return value

    def to_csv(self, value: Any, field: dict) -> str:
        if self.is_empty(value):
            return ""
        return str(value)

    def from_csv(self, text: str, field: dict) -> Any:
        return text if text != "" else None

    def unique_value(self, value: Any, field: dict) -> str:
        """The canonical text of a value for uniqueness and unique keys."""
        return str(value)

    def display(self, value: Any, field: dict) -> str:
        return self.to_csv(value, field)

    # --- querying --------------------------------------------------------------------
    def db_expression(self, path: str, field: dict) -> Expression:
        """An expression for ``data -> path`` typed for comparisons and sorting."""
        return KT(path)

    def filter_value(self, value: Any, field: dict, ctx: WriteContext | None = None) -> Any:
        """Normalise a filter operand the way stored values are normalised."""
        if ctx is None:
            return value
        return self.normalize(value, field, ctx)

    def filter_q(self, path: str, field: dict, op: str, value: Any) -> Q:
        """A condition on ``data__<path>``; ``value`` is already normalised by ``filter_value``."""
        lookup = path.replace(".", "__")
        if op == "eq":
            return Q(**{lookup: value})
        if op == "ne":
            return ~Q(**{lookup: value}) | Q(**{f"{lookup}__isnull": True})
        if op == "in":
            return Q(**{f"{lookup}__in": value})
        if op == "not_in":
            return ~Q(**{f"{lookup}__in": value}) | Q(**{f"{lookup}__isnull": True})
        if op in ("empty", "not_empty"):
            empty = Q(**{f"{lookup}__isnull": True}) | Q(**{lookup: ""}) | Q(**{lookup: []})
            return empty if op == "empty" else ~empty
        if op in _RANGE_LOOKUPS:
            return Q(_RANGE_LOOKUPS[op](self.db_expression(path, field), value))
        if op == "between":
            low, high = value
            expr = self.db_expression(path, field)
            return Q(GreaterThanOrEqual(expr, low)) & Q(LessThanOrEqual(expr, high))
        if op == "contains":
            return Q(Contains(KT(lookup), value))
        if op == "icontains":
            return Q(**{f"{lookup}__icontains": value})
        if op == "startswith":
            return Q(**{f"{lookup}__startswith": value})
        raise ValueError(op)


field_types: Registry[FieldType] = Registry("field")


def check_length_and_pattern(text: str, field: dict) -> None:
    """Shared rules of text-like types: min/max length and regex."""
    min_length, max_length = field.get("min_length"), field.get("max_length")
    if min_length is not None and len(text) < min_length:
        raise FieldValueError(_("must be at least %(n)d characters long") % {"n": min_length})
    if max_length is not None and len(text) > max_length:
        raise FieldValueError(_("must be at most %(n)d characters long") % {"n": max_length})
    regex = field.get("regex")
    if regex and not re.fullmatch(regex, text):
        raise FieldValueError(field.get("regex_message") or _("does not match the required pattern"))


def check_range(number: Any, field: dict) -> None:
    minimum, maximum = field.get("min"), field.get("max")
    if minimum is not None and Decimal(str(number)) < Decimal(str(minimum)):
        raise FieldValueError(_("must be at least %(n)s") % {"n": minimum})
    if maximum is not None and Decimal(str(number)) > Decimal(str(maximum)):
        raise FieldValueError(_("must be at most %(n)s") % {"n": maximum})
