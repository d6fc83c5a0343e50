"""CSV import and export endpoints: parse options, hand streams to the services, shape the answer."""

from __future__ import annotations

import io
from typing import Any

from django.conf import settings
from django.http import StreamingHttpResponse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import UnsupportedMediaType
from rest_framework.response import Response

from apps.core import strict_json
from apps.core.errors import ErrorCollector, join_path
from apps.core.parsers import StrictMultiPartParser
from apps.core.schemas_api import answers
from apps.core.strict_json import StrictJSONError
from apps.core.views import FileNegotiation, WeftAPIView, flag

from .. import selectors
from ..services import csv_export, csv_import
from . import schemas

RAW_TYPES = frozenset({"text/csv", "application/csv", "text/plain", "text/tab-separated-values",
                       "application/vnd.ms-excel", "application/octet-stream"})
EXPORT_OPTIONS = ("header", "lang")


def _export_options(request) -> tuple[str, str]:
    errors = ErrorCollector()
    header = request.query_params.get("header", "key")
    if header not in csv_export.HEADERS:
        errors.add("header", _("must be 'key' or 'label'"))
    languages = [code for code, _name in settings.LANGUAGES]
    lang = request.query_params.get("lang")
    if lang is None:
        lang = get_language() if get_language() in languages else settings.LANGUAGE_CODE
    elif lang not in languages:
        errors.add("lang", _("must be one of: %(codes)s") % {"codes": ", ".join(languages)})
    errors.raise_if_any()
    return header, lang


class RecordExportView(WeftAPIView):
    content_negotiation_class = FileNegotiation

    @extend_schema(summary="Export records as CSV (same filters, saved views and sort as the listing)",
                   parameters=[OpenApiParameter("header", str, enum=list(csv_export.HEADERS)),
                               OpenApiParameter("lang", str), OpenApiParameter("view", int),
                               OpenApiParameter("sort", str)],
                   responses=answers({(200, "text/csv"): schemas.CSV_ANSWER}, 400, 403, 404))
    def get(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        header, lang = _export_options(request)
        params = request.query_params.copy()
        for name in EXPORT_OPTIONS:
            params.pop(name, None)
        listing = selectors.filtered_records(form, params=params, sort=params.get("sort", ""),
                                             view=params.get("view"), member=request.member)
        pieces = csv_export.export_rows(form, listing.records, header=header, lang=lang)
        response = StreamingHttpResponse(_utf8_with_bom(pieces), content_type="text/csv; charset=utf-8")
        day = timezone.localdate(timezone=selectors.workspace_zone(request.workspace)).isoformat()
        response["Content-Disposition"] = f'attachment; filename="{form.key}-{day}.csv"'
        return response


def _utf8_with_bom(pieces):
    """Excel reads a CSV as UTF-8 only when it starts with a byte-order mark."""
    yield "\ufeff".encode()
    for piece in pieces:
        yield piece.encode()


def _mapping(value: Any, errors: ErrorCollector) -> dict | None:
    """The ``mapping`` option, read by the strict reader: what it refuses is answered at its path."""
    if value in (None, ""):
        return None
    try:
        mapping = strict_json.loads(value) if isinstance(value, str) else value
    except StrictJSONError as exc:
        if exc.code != "malformed_json":
            errors.add(join_path("mapping", exc.path), exc.reason)
            return None
        mapping = None
    if not isinstance(mapping, dict):
        errors.add("mapping", _('must be a JSON object such as {"CSV column": "field_key"}'))
        return None
    return mapping


class RecordImportView(WeftAPIView):
    """Multipart (``file``) or a raw CSV body; large uploads are spooled to disk and read as a stream.

    ``Idempotency-Key`` is ignored here (it covers JSON bodies only). To retry safely,
    import in upsert mode; in create mode a form's unique key refuses the repeat,
    but a form without one would get the rows twice.
    """

    parser_classes = [StrictMultiPartParser]
    max_body_bytes = 200 * 1024 * 1024
    idempotent = False

    @extend_schema(
        summary="Import records from CSV: all rows or none",
        request=schemas.IMPORT_REQUEST,
        responses=answers({200: schemas.ImportResultSerializer, 201: schemas.ImportResultSerializer},
                          400, 403, 404, 409, 415),
        parameters=[OpenApiParameter("dry_run", bool), OpenApiParameter("mode", str, enum=list(csv_import.MODES)),
                    OpenApiParameter("mapping", str, description='JSON: {"CSV column": "field_key"}'),
                    OpenApiParameter("delimiter", str, description="',', ';' or 'tab'; detected if absent")],
    )
    def post(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        binary, options = self._source(request)
        try:
            result = csv_import.import_csv(form, csv_import.open_csv(binary), member=request.member, **options)
        finally:
            binary.close()
        body = {"created": result.created, "updated": result.updated, "unchanged": result.unchanged,
                "rows": result.rows, "dry_run": result.dry_run, "columns": result.columns,
                "ignored_columns": result.ignored_columns}
        created = result.created and not result.dry_run
        return Response(body, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    def _source(self, request) -> tuple[Any, dict]:
        media_type = (request.content_type or "").split(";")[0].strip().lower()
        if media_type == "multipart/form-data":
            fields = request.data
            upload = request.FILES.get("file")
        elif media_type in RAW_TYPES:
            fields, upload = {}, None
        else:
            raise UnsupportedMediaType(media_type, detail=_(
                "Send the CSV as a multipart upload in the field 'file', or as a text/csv body."))
        errors = ErrorCollector()

        def option(name: str) -> Any:
            return fields.get(name) if fields.get(name) is not None else request.query_params.get(name)

        options = {"dry_run": flag(option("dry_run"), "dry_run", errors),
                   "mode": option("mode") or "create",
                   "mapping": _mapping(option("mapping"), errors),
                   "delimiter": option("delimiter") or None}
        csv_import.check_options(options["mode"], options["mapping"], options["delimiter"], errors)
        if media_type == "multipart/form-data" and upload is None:
            errors.add("file", _("attach the CSV file in the field 'file'"))
        errors.raise_if_any()
        if upload is not None:
            return upload.open("rb"), options
        return request.stream or io.BytesIO(), options
