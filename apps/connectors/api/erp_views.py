"""Journal export endpoints: parse the options, hand them to the ERP export service, stream its file.

``GET /api/v1/forms/<form key>/export/journal/`` answers the file as an attachment.
A GET with query parameters, so the link can be opened or bookmarked:

- ``layout`` (required): a layout key, see ``GET /api/v1/exports/journal-layouts/``;
- ``map.<role>=<field key>``: which field plays a role (``map.debit=dr``); roles left
  out use the field with the role's canonical key, and ``map.<role>=`` (empty)
  leaves a role unmapped;
- ``allow_unbalanced=true``: export vouchers whose debits and credits differ
  (refused by default, naming them);
- ``sort`` (a listing sort key), ``view`` (a saved view's id) and field filters
  (``voucher_date__gte=2024-05-01``) as in the listing.

Problems answer JSON (400 for options and field maps, 422 for journal lines that
cannot be written or vouchers that do not balance) and nothing is exported.
"""

from __future__ import annotations

from django.http import QueryDict, StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.response import Response

from apps.core.errors import ErrorCollector
from apps.core.schemas_api import answers
from apps.core.views import FileNegotiation, WeftAPIView, flag
from apps.forms.selectors import get_form, workspace_zone

from ..erp.export import export_journal
from ..erp.layouts import Layout, all_layouts, layout_keys
from ..erp.roles import ROLES
from ..erp.schema import LINE_TERMINATORS
from . import schemas

MAP_PREFIX = "map."
OPTIONS = ("layout", "allow_unbalanced")


def _options(request) -> tuple[str, dict[str, str], bool, QueryDict]:
    """The export's own options, and the rest of the query: the listing's filters, view and sort."""
    errors = ErrorCollector()
    params = request.query_params.copy()
    layout = params.get("layout")
    if not layout:
        errors.add("layout", _("is required; use one of: %(keys)s") % {"keys": ", ".join(layout_keys())})
    allow = flag(params.get("allow_unbalanced"), "allow_unbalanced", errors)
    field_map = {name[len(MAP_PREFIX):]: params.get(name) for name in params if name.startswith(MAP_PREFIX)}
    for name in [*OPTIONS, *(n for n in params if n.startswith(MAP_PREFIX))]:
        params.pop(name, None)
    errors.raise_if_any()
    return layout, field_map, allow, params


class JournalExportView(WeftAPIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(
        summary="Export journal entry records for an ERP's voucher import (Kingdee, Yonyou, generic)",
        parameters=[OpenApiParameter("layout", str, required=True),
                    OpenApiParameter("map.<role>", str, description="the field key playing a role, e.g. "
                                                                    "map.debit=dr"),
                    OpenApiParameter("allow_unbalanced", bool), OpenApiParameter("view", int),
                    OpenApiParameter("sort", str, description="a listing sort key, e.g. -voucher_date"),
                    OpenApiParameter("<field>[__op]", str, description="a listing filter")],
        responses=answers({(200, "text/csv"): schemas.CSV_ANSWER}, 400, 403, 404, 422),
    )
    def get(self, request, key: str):
        form = get_form(request.workspace, key)
        layout, field_map, allow_unbalanced, params = _options(request)
        journal = export_journal(form, layout, field_map, params=params, view=params.get("view"),
                                 ordering=params.get("sort", ""), allow_unbalanced=allow_unbalanced)
        response = StreamingHttpResponse(journal, content_type=f"text/csv; charset={journal.layout.charset}")
        day = timezone.localdate(timezone=workspace_zone(request.workspace)).isoformat()
        filename = f"{form.key}-journal-{journal.layout.key}-{day}.{journal.layout.extension}"
        response["Content-Disposition"] = f'attachment; filename="{filename}"'
        return response


def layout_to_api(layout: Layout) -> dict:
    terminators = {text: name for name, text in LINE_TERMINATORS.items()}
    columns = []
    for column in layout.columns:
        item: dict = {"header": column.header}
        for name, value in (("role", column.role), ("fallback", column.fallback), ("default", column.default),
                            ("value", column.value), ("format", column.date_format), ("zero", column.zero)):
            if value is not None:
                item[name] = value
        if column.parts:
            item["join"] = {"separator": column.separator,
                            "parts": [{"role": role, "prefix": prefix} for role, prefix in column.parts]}
        columns.append(item)
    amount_format = {"decimals": layout.decimals, "thousands_separator": layout.thousands_separator}
    if layout.zero is not None:
        amount_format["zero"] = layout.zero
    return {"key": layout.key, "name": layout.name, "description": layout.description, "product": layout.product,
            "encoding": layout.encoding, "charset": layout.charset,
            "line_terminator": terminators[layout.line_terminator], "delimiter": layout.delimiter,
            "header": layout.header, "extension": layout.extension, "date_format": layout.date_format,
            "amount_format": amount_format, "columns": columns}


class JournalLayoutListView(WeftAPIView):
    @extend_schema(summary="The journal export layouts with their columns, and the roles a field map assigns",
                   responses=answers({200: schemas.LAYOUT_PAGE}, 403))
    def get(self, request):
        roles = [{"role": name, "kind": role.kind, "default_field": role.field_key or None,
                  "required": role.required, "computed": role.computed, "label": str(role.label)}
                 for name, role in ROLES.items()]
        return Response({"results": [layout_to_api(layout) for layout in all_layouts()], "roles": roles})
