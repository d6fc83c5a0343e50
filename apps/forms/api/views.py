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
from apps.core.views import WeftAPIView

from ..models import FormVersion, Record, RecordHistory
from ..query import build_q, conditions_from_json, conditions_from_params, paginate
from ..services import forms as form_services
from ..services import records as record_services
from ..services.records import counters_of
from .representation import form_to_api, plain, record_to_api


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

    @extend_schema(summary="List the workspace's forms")
    def get(self, request):
        forms = request.workspace.forms.select_related("app").order_by("key")
        return Response({"results": [form_to_api(f) for f in forms]})

    @extend_schema(summary="Create a form from a JSON definition", request=dict)
    def post(self, request):
        form = form_services.create_form(request.workspace, _object(request.data), member=request.member)
        return Response(form_to_api(form), status=status.HTTP_201_CREATED)


class FormDetailView(WeftAPIView):
    write_role = Role.BUILDER

    def get(self, request, key: str):
        return Response(form_to_api(form_services.get_form(request.workspace, key)))

    @extend_schema(summary="Replace the definition (a new version)", request=dict)
    def put(self, request, key: str):
        form = form_services.get_form(request.workspace, key)
        form = form_services.update_form(form, _object(request.data), member=request.member)
        return Response(form_to_api(form))

    def delete(self, request, key: str):
        form = form_services.get_form(request.workspace, key)
        form_services.delete_form(form, member=request.member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FormVersionListView(WeftAPIView):
    def get(self, request, key: str):
        form = form_services.get_form(request.workspace, key)
        versions = FormVersion.objects.filter(form=form).order_by("-version")
        return Response({"results": [{"version": v.version, "definition": v.definition,
                                      "created_by": v.created_by_id, "created_at": v.created_at.isoformat()}
                                     for v in versions]})


def filtered_records(request, form):
    """The records a listing or export shows: saved view first, then query parameters."""
    queryset = Record.objects.filter(form=form, workspace=request.workspace)
    conditions = []
    sort = request.query_params.get("sort", "")
    view_id = request.query_params.get("view")
    if view_id:
        view = form.views.filter(pk=view_id if view_id.isdigit() else 0).first()
        if view is None:
            raise ValidationFailed({"view": [_("no such saved view for this form")]})
        conditions += conditions_from_json(view.filters)
        sort = sort or (view.sort[0] if view.sort else "")
    conditions += conditions_from_params(request.query_params)
    return queryset.filter(build_q(form, conditions)), sort


LIST_PARAMETERS = [
    OpenApiParameter("sort", str, description="a field key, '-' for descending (e.g. -total)"),
    OpenApiParameter("limit", int),
    OpenApiParameter("cursor", str, description="the next_cursor of the previous page"),
    OpenApiParameter("view", int, description="a saved view's id"),
    OpenApiParameter("<field>[__op]", str, description="filter, e.g. status=paid, total__gte=100, lines.sku=A1"),
]


class RecordListView(WeftAPIView):
    @extend_schema(summary="List records with filters, sorting and cursor pagination", parameters=LIST_PARAMETERS)
    def get(self, request, key: str):
        form = form_services.get_form(request.workspace, key)
        queryset, sort = filtered_records(request, form)
        rows, next_cursor = paginate(form, queryset, sort, request.query_params.get("cursor"),
                                     page_limit(request.query_params))
        counters = counters_of(rows)
        include_removed = request.query_params.get("include_removed") in ("1", "true")
        return Response({
            "results": [record_to_api(form, r, counters.get(r.pk), include_removed=include_removed) for r in rows],
            "next_cursor": next_cursor,
        })

    @extend_schema(summary="Create a record", request=dict)
    def post(self, request, key: str):
        form = form_services.get_form(request.workspace, key)
        record = record_services.create_record(form, _object(request.data), member=request.member)
        return Response(record_to_api(form, record, counters_of([record]).get(record.pk)),
                        status=status.HTTP_201_CREATED)


class RecordDetailView(WeftAPIView):
    def get(self, request, key: str, pk: str):
        form = form_services.get_form(request.workspace, key)
        record = record_services.get_record(form, pk)
        include_removed = request.query_params.get("include_removed") in ("1", "true")
        return Response(record_to_api(form, record, counters_of([record]).get(record.pk),
                                      include_removed=include_removed))

    def _update(self, request, key: str, pk: str, partial: bool):
        form = form_services.get_form(request.workspace, key)
        record = record_services.get_record(form, pk)
        body = _object(request.data)
        record = record_services.update_record(record, body, member=request.member, partial=partial,
                                               expected_version=_expected_version(request, body))
        return Response(record_to_api(form, record, counters_of([record]).get(record.pk)))

    @extend_schema(summary="Change some fields (send 'version' or If-Match to detect concurrent edits)",
                   request=dict)
    def patch(self, request, key: str, pk: str):
        return self._update(request, key, pk, partial=True)

    @extend_schema(summary="Replace all fields", request=dict)
    def put(self, request, key: str, pk: str):
        return self._update(request, key, pk, partial=False)

    def delete(self, request, key: str, pk: str):
        form = form_services.get_form(request.workspace, key)
        record = record_services.get_record(form, pk)
        version = _expected_version(request, request.data if isinstance(request.data, dict) else {})
        record_services.delete_record(record, member=request.member, expected_version=version)
        return Response(status=status.HTTP_204_NO_CONTENT)


class RecordUpsertView(WeftAPIView):
    @extend_schema(summary="Create or update the record with the same unique key", request=dict)
    def post(self, request, key: str):
        form = form_services.get_form(request.workspace, key)
        record, created = record_services.upsert_record(form, _object(request.data), member=request.member)
        body = record_to_api(form, record, counters_of([record]).get(record.pk))
        return Response({**body, "created": created}, status=status.HTTP_201_CREATED if created else status.HTTP_200_OK)


class RecordBulkView(WeftAPIView):
    @extend_schema(summary="Create (or upsert) many records in one transaction: all or none",
                   request=dict)
    def post(self, request, key: str):
        form = form_services.get_form(request.workspace, key)
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
    def get(self, request, key: str, pk: str):
        form = form_services.get_form(request.workspace, key)
        record_id = int(pk) if str(pk).isdigit() else 0
        entries = RecordHistory.objects.filter(form=form, workspace=request.workspace, record_id=record_id)
        if not entries.exists():
            record_services.get_record(form, pk)
        return Response({"results": [
            {"action": h.action, "version": h.version, "before": plain(h.before), "after": plain(h.after),
             "changed": h.changed, "actor": h.actor_id, "at": h.at.isoformat()}
            for h in entries.order_by("-id")[:500]
        ]})


