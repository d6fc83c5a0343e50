"""Form and record endpoints: parse, call a service, shape the answer."""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts.models import Role
from apps.core.errors import ValidationFailed
from apps.core.paging import page_limit
from apps.core.schemas_api import NO_CONTENT, answers
from apps.core.views import WeftAPIView

from .. import selectors
from ..conversion import json_value
from ..models import FormVersion, RecordHistory
from ..services import forms as form_services
from ..services import records as record_services
from . import schemas
from .representation import form_to_api, record_to_api


def _object(data: Any, name: str = "body") -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed({name: [_("must be a JSON object")]})
    return data


def _expected_version(request, body: dict) -> int | None:
    value = request.headers.get("If-Match") or body.get("version")
    if value is None:
        return None
    try:
        return int(str(value).strip('"W/'))
    except ValueError:
        raise ValidationFailed({"version": [_("must be the record's version number")]}) from None


class FormListView(WeftAPIView):
    write_role = Role.BUILDER

    @extend_schema(summary="List the workspace's forms", responses=answers({200: schemas.FORM_PAGE}, 403))
    def get(self, request):
        forms = selectors.forms_of(request.workspace)
        return Response({"results": [form_to_api(f) for f in forms]})

    @extend_schema(summary="Create a form from a JSON definition", request=schemas.FormDefinitionSerializer,
                   responses=answers({201: schemas.FormSerializer}, 400, 403, 409))
    def post(self, request):
        form = form_services.create_form(request.workspace, _object(request.data), member=request.member)
        return Response(form_to_api(form), status=status.HTTP_201_CREATED)


class FormDetailView(WeftAPIView):
    write_role = Role.BUILDER

    @extend_schema(responses=answers({200: schemas.FormSerializer}, 403, 404))
    def get(self, request, key: str):
        return Response(form_to_api(selectors.get_form(request.workspace, key)))

    @extend_schema(summary="Replace the definition (a new version)", request=schemas.FormDefinitionSerializer,
                   responses=answers({200: schemas.FormSerializer}, 400, 403, 404, 409))
    def put(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        form = form_services.update_form(form, _object(request.data), member=request.member)
        return Response(form_to_api(form))

    @extend_schema(responses=answers(NO_CONTENT, 403, 404, 409))
    def delete(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        form_services.delete_form(form, member=request.member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FormVersionListView(WeftAPIView):
    @extend_schema(responses=answers({200: schemas.FORM_VERSION_PAGE}, 403, 404))
    def get(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        versions = FormVersion.objects.filter(form=form).order_by("-version")
        return Response({"results": [{"version": v.version, "definition": v.definition,
                                      "created_by": v.created_by_id, "created_at": v.created_at.isoformat()}
                                     for v in versions]})


LIST_PARAMETERS = [
    OpenApiParameter("sort", str, description="a field key, '-' for descending (e.g. -total)"),
    OpenApiParameter("limit", int),
    OpenApiParameter("cursor", str, description="the next_cursor of the previous page"),
    OpenApiParameter("view", int, description="a saved view's id"),
    OpenApiParameter("<field>[__op]", str, description="filter, e.g. status=paid, total__gte=100, lines.sku=A1"),
]


class RecordListView(WeftAPIView):
    @extend_schema(summary="List records with filters, sorting and cursor pagination", parameters=LIST_PARAMETERS,
                   responses=answers({200: schemas.RECORD_PAGE}, 400, 403, 404))
    def get(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        params = request.query_params
        listing = selectors.filtered_records(form, params=params, sort=params.get("sort", ""),
                                             view=params.get("view"), member=request.member)
        rows, next_cursor = listing.page(params.get("cursor"), page_limit(params))
        counters = selectors.counters_of(rows)
        include_removed = request.query_params.get("include_removed") in ("1", "true")
        return Response({
            "results": [record_to_api(form, r, counters.get(r.pk), include_removed=include_removed) for r in rows],
            "next_cursor": next_cursor,
        })

    @extend_schema(summary="Create a record", request=schemas.RecordValuesSerializer,
                   responses=answers({201: schemas.RecordSerializer}, 400, 403, 404, 409))
    def post(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        record = record_services.create_record(form, _object(request.data), member=request.member)
        return Response(record_to_api(form, record, selectors.counters_of([record]).get(record.pk)),
                        status=status.HTTP_201_CREATED)


class RecordDetailView(WeftAPIView):
    @extend_schema(responses=answers({200: schemas.RecordSerializer}, 403, 404))
    def get(self, request, key: str, pk: str):
        form = selectors.get_form(request.workspace, key)
        record = selectors.record_of(form, pk)
        include_removed = request.query_params.get("include_removed") in ("1", "true")
        return Response(record_to_api(form, record, selectors.counters_of([record]).get(record.pk),
                                      include_removed=include_removed))

    def _update(self, request, key: str, pk: str, partial: bool):
        form = selectors.get_form(request.workspace, key)
        record = selectors.record_of(form, pk)
        body = _object(request.data)
        record = record_services.update_record(record, body, member=request.member, partial=partial,
                                               expected_version=_expected_version(request, body))
        return Response(record_to_api(form, record, selectors.counters_of([record]).get(record.pk)))

    @extend_schema(summary="Change some fields (send 'version' or If-Match to detect concurrent edits)",
                   request=schemas.RecordValuesSerializer,
                   responses=answers({200: schemas.RecordSerializer}, 400, 403, 404, 409))
    def patch(self, request, key: str, pk: str):
        return self._update(request, key, pk, partial=True)

    @extend_schema(summary="Replace all fields", request=schemas.RecordValuesSerializer,
                   responses=answers({200: schemas.RecordSerializer}, 400, 403, 404, 409))
    def put(self, request, key: str, pk: str):
        return self._update(request, key, pk, partial=False)

    @extend_schema(responses=answers(NO_CONTENT, 400, 403, 404, 409))
    def delete(self, request, key: str, pk: str):
        form = selectors.get_form(request.workspace, key)
        record = selectors.record_of(form, pk)
        version = _expected_version(request, request.data if isinstance(request.data, dict) else {})
        record_services.delete_record(record, member=request.member, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecordUpsertView(WeftAPIView):
    @extend_schema(summary="Create or update the record with the same unique key",
                   request=schemas.RecordValuesSerializer,
                   responses=answers({200: schemas.UpsertedRecordSerializer, 201: schemas.UpsertedRecordSerializer},
                                     400, 403, 404, 409))
    def post(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        record, created = record_services.upsert_record(form, _object(request.data), member=request.member)
        body = record_to_api(form, record, selectors.counters_of([record]).get(record.pk))
        return Response({**body, "created": created}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RecordBulkView(WeftAPIView):
    @extend_schema(summary="Create (or upsert) many records in one transaction: all or none",
                   request=schemas.BulkWriteSerializer,
                   responses=answers({200: schemas.BulkResultSerializer, 201: schemas.BulkResultSerializer},
                                     400, 403, 404, 409))
    def post(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        body = _object(request.data)
        rows = body.get("records")
        if not isinstance(rows, list) or not rows:
            raise ValidationFailed({"records": [_("must be a non-empty list of records")]})
        limit = settings.WEFT["MAX_BULK_ROWS"]
        if len(rows) > limit:
            raise ValidationFailed({"records": [_("at most %(n)d records per request") % {"n": limit}]})
        result = record_services.bulk_write(form, rows, member=request.member, upsert=bool(body.get("upsert")))
        return Response({
            "count": len(result.records),
            "created": sum(result.created),
            "updated": len(result.created) - sum(result.created),
            "results": [{"id": r.pk, "version": r.version, "created": c}
                        for r, c in zip(result.records, result.created, strict=True)],
        }, status=status.HTTP_201_CREATED if any(result.created) else status.HTTP_200_OK)


class RecordHistoryView(WeftAPIView):
    @extend_schema(responses=answers({200: schemas.HISTORY_PAGE}, 403, 404))
    def get(self, request, key: str, pk: str):
        form = selectors.get_form(request.workspace, key)
        record_id = int(pk) if str(pk).isdigit() else 0
        entries = RecordHistory.objects.filter(form=form, workspace=request.workspace, record_id=record_id)
        if not entries.exists():
            selectors.record_of(form, pk)
        return Response({"results": [
            {"action": h.action, "version": h.version, "before": json_value(h.before), "after": json_value(h.after),
             "changed": h.changed, "actor": h.actor_id, "at": h.at.isoformat()}
            for h in entries.order_by("-id")[:500]
        ]})


