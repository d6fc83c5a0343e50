"""Reads of forms and records for pages, exports, the API and other apps.

Nothing here writes. ``filtered_records`` is the one place a saved view, field
filters, a search and a sort become a set of records in an order: the records
API, the CSV export, the journal export, flow queries and the web grid all ask
it, so the same view shows the same rows in the same order through every door.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from apps.core.errors import ValidationFailed

from . import query
from .definitions import json_path, schema_message
from .errors import FormNotFound, RecordNotFound
from .fields.base import FieldType, field_types
from .fields.date import workspace_zone
from .models import Counter, Form, Record, SavedView
from .query import ALL_OPS, META_COLUMNS, Condition
from .schema import LABEL
from .validation import active_fields

if TYPE_CHECKING:

    from apps.accounts.models import Member, Workspace

__all__ = [
    "ALL_OPS",
    "LABEL",
    "META_COLUMNS",
    "Condition",
    "RecordListing",
    "active_fields",
    "counters_of",
    "field_type_of",
    "filtered_records",
    "forms_of",
    "get_form",
    "json_path",
    "record_of",
    "saved_view",
    "schema_message",
    "workspace_zone",
]

# ``ALL_OPS`` and ``META_COLUMNS``: public so that flow steps check filters against the listing's own
# operators and metadata columns. ``LABEL``: the JSON Schema of a label ({"en", "zh-hans"} or text),
# public so that every definition language labels things the same way. ``active_fields``: the
# fields not removed, which other apps map, check and show. ``workspace_zone``: the workspace's
# time zone (UTC when unknown), so exports date files as records do. ``json_path`` (a JSON Schema
# error's path as ``a.b[0]``) and ``schema_message`` (its translated message): so every definition
# language names problems alike.


# --- forms and fields ----------------------------------------------------------------


def get_form(workspace: Workspace, key: str) -> Form:
    """The workspace's form with ``key``; another workspace's form is not found, never shown."""
    form = Form.objects.filter(workspace=workspace, key=key).first()
    if form is None:
        raise FormNotFound()
    return form


def forms_of(workspace: Workspace) -> QuerySet[Form]:
    """The workspace's forms by key, with their app."""
    return Form.objects.filter(workspace=workspace).select_related("app").order_by("key")


def field_type_of(field: dict) -> FieldType:
    """The registered type of a field definition; public so other apps read values the field's way."""
    return field_types.get(field["type"])


# --- records ---------------------------------------------------------------------------


def record_of(form: Form, record_id: Any, *, lock: bool = False) -> Record:
    """The form's record with ``record_id``; ``lock`` (inside a transaction) holds it for a change."""
    try:
        record_id = int(record_id)
    except (TypeError, ValueError):
        raise RecordNotFound() from None
    queryset = Record.objects.filter(form=form, workspace_id=form.workspace_id, pk=record_id)
    if lock:
        queryset = queryset.select_for_update()
    record = queryset.first()
    if record is None:
        raise RecordNotFound()
    return record


def counters_of(records: list[Record]) -> dict[int, dict[str, int]]:
    """Counter values in minor units, by record id and field key (a counter never adjusted is absent)."""
    out: dict[int, dict[str, int]] = {}
    for record_id, key, value in Counter.objects.filter(record__in=[r.pk for r in records]).values_list(
        "record_id", "field", "value"
    ):
        out.setdefault(record_id, {})[key] = value
    return out


def saved_view(form: Form, view: SavedView | int | str) -> SavedView:
    """The form's saved view from an id (as a query parameter gives it) or the view itself."""
    if isinstance(view, SavedView):
        if view.form_id != form.pk:
            raise ValidationFailed({"view": [_("no such saved view for this form")]})
        return view
    text = str(view).strip()
    found = form.views.filter(pk=int(text) if text.isdigit() else 0).first()
    if found is None:
        raise ValidationFailed({"view": [_("no such saved view for this form")]})
    return found


@dataclass(frozen=True)
class RecordListing:
    """The records a listing shows: ``matching`` (filtered, unordered) and the order to show them in."""

    form: Form
    matching: QuerySet[Record]
    sort: str
    then: tuple[str, ...] = ()

    @property
    def records(self) -> QuerySet[Record]:
        """All of them in the listing's order (for exports: iterate, it holds a chunk at a time)."""
        return query.order_records(self.form, self.matching, self.sort, self.then)[0]

    def page(self, cursor: str | None, limit: int) -> tuple[list[Record], str | None]:
        """One page in the listing's order, and the cursor of the next (None on the last page)."""
        if self.then:
            raise ValueError("pages are ordered by the sort key and id only")
        return query.paginate(self.form, self.matching, self.sort, cursor, limit)


def filtered_records(form: Form, *, filters: list[Condition] | list[dict] | None = None,
                     params: Mapping | None = None, sort: str = "", search: str = "",
                     view: SavedView | int | str | None = None, member: Member | None = None,
                     then: tuple[str, ...] = ()) -> RecordListing:
    """The form's records a listing, an export or a page shows.

    ``view`` (a saved view or its id) contributes its filters and, when no
    ``sort`` is given, its sort; ``filters`` are conditions or their JSON form
    (``{"field", "op", "value"}``); ``params`` are query parameters read as field
    filters (``total__gte=100``; the listing's own options are ignored); ``search``
    finds text in any text field. The order is one sort key (``-total``; newest
    first without one), then ``then`` keys, then the id. ``member`` is who reads:
    every member of the workspace reads every record of its forms today, and
    per-form read permissions will narrow the set here. Unknown fields, operators
    and views are refused with a ValidationFailed naming them.
    """
    conditions: list[Condition] = []
    if view not in (None, ""):
        chosen = saved_view(form, view)
        conditions += query.conditions_from_json(chosen.filters)
        sort = sort or (chosen.sort[0] if chosen.sort else "")
    if isinstance(filters, list) and filters and all(isinstance(item, Condition) for item in filters):
        conditions += filters
    elif filters is not None:
        conditions += query.conditions_from_json(filters)
    if params is not None:
        conditions += query.conditions_from_params(params)
    matching = Record.objects.filter(form=form, workspace_id=form.workspace_id)
    matching = matching.filter(query.build_q(form, conditions))
    if search.strip():
        matching = matching.filter(query.search_q(form, search.strip()))
    return RecordListing(form, matching, sort, tuple(then))
