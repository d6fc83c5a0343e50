"""Saved views of a form's records (filters, sort, columns) and attachments."""

from __future__ import annotations

import hashlib

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.core.errors import ValidationFailed
from apps.core.parsers import StrictMultiPartParser
from apps.core.schemas_api import NO_CONTENT, answers
from apps.core.views import WeftAPIView

from .. import selectors
from ..errors import RecordNotFound
from ..models import Attachment, SavedView
from ..query import build_q, conditions_from_json, sort_expression
from . import schemas


def view_to_api(view: SavedView) -> dict:
    return {"id": view.pk, "form": view.form.key, "name": view.name, "filters": view.filters, "sort": view.sort,
            "columns": view.columns, "created_by": view.created_by_id}


def _clean_view(form, body) -> dict:
    if not isinstance(body, dict):
        raise ValidationFailed({"body": [_("must be a JSON object")]})
    name = body.get("name")
    if not isinstance(name, str) or not name.strip():
        raise ValidationFailed({"name": [_("is required")]})
    filters = body.get("filters", [])
    build_q(form, conditions_from_json(filters))
    sort = body.get("sort", [])
    if not isinstance(sort, list) or len(sort) > 1:
        raise ValidationFailed({"sort": [_("must be a list with at most one sort key, e.g. ['-total']")]})
    for spec in sort:
        sort_expression(form, str(spec))
    columns = body.get("columns", [])
    keys = {f["key"] for f in form.definition["fields"]}
    unknown = [c for c in columns if c not in keys] if isinstance(columns, list) else ["columns"]
    if unknown:
        raise ValidationFailed({"columns": [_("unknown fields: %(keys)s") % {"keys": ", ".join(map(str, unknown))}]})
    return {"name": name.strip()[:200], "filters": filters, "sort": sort, "columns": columns}


class SavedViewListView(WeftAPIView):
    @extend_schema(responses=answers({200: schemas.SAVED_VIEW_PAGE}, 403, 404))
    def get(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        return Response({"results": [view_to_api(v) for v in form.views.order_by("name")]})

    @extend_schema(request=schemas.SavedViewInputSerializer,
                   responses=answers({201: schemas.SavedViewSerializer}, 400, 403, 404))
    def post(self, request, key: str):
        form = selectors.get_form(request.workspace, key)
        view = SavedView.objects.create(workspace=request.workspace, form=form, created_by=request.member,
                                        **_clean_view(form, request.data))
        return Response(view_to_api(view), status=status.HTTP_201_CREATED)


class SavedViewDetailView(WeftAPIView):
    def _get(self, request, key: str, pk: int) -> SavedView:
        form = selectors.get_form(request.workspace, key)
        view = form.views.filter(pk=pk, workspace=request.workspace).first()
        if view is None:
            raise RecordNotFound(_("No such saved view."))
        return view

    @extend_schema(responses=answers({200: schemas.SavedViewSerializer}, 403, 404))
    def get(self, request, key: str, pk: int):
        return Response(view_to_api(self._get(request, key, pk)))

    @extend_schema(request=schemas.SavedViewInputSerializer,
                   responses=answers({200: schemas.SavedViewSerializer}, 400, 403, 404))
    def put(self, request, key: str, pk: int):
        view = self._get(request, key, pk)
        for name, value in _clean_view(view.form, request.data).items():
            setattr(view, name, value)
        view.save()
        return Response(view_to_api(view))

    @extend_schema(responses=answers(NO_CONTENT, 403, 404))
    def delete(self, request, key: str, pk: int):
        self._get(request, key, pk).delete()
        return Response(status=status.HTTP_204_NO_CONTENT)


MAX_ATTACHMENT_BYTES = 25 * 1024 * 1024


class AttachmentUploadView(WeftAPIView):
    parser_classes = [StrictMultiPartParser]
    max_body_bytes = MAX_ATTACHMENT_BYTES + 64 * 1024
    idempotent = False

    @extend_schema(summary="Upload a file for an attachment field (multipart field 'file')",
                   request={"multipart/form-data": schemas.AttachmentUploadSerializer},
                   responses=answers({201: schemas.AttachmentSerializer}, 400, 403, 413))
    def post(self, request):
        upload = request.FILES.get("file")
        if upload is None:
            raise ValidationFailed({"file": [_("is required (multipart form field 'file')")]})
        if upload.size > MAX_ATTACHMENT_BYTES:
            raise ValidationFailed({"file": [_("is larger than 25 MB")]})
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        attachment = Attachment.objects.create(workspace=request.workspace, file=upload, name=upload.name[:255],
                                               size=upload.size, content_type=upload.content_type or "",
                                               sha256=digest.hexdigest(), uploaded_by=request.member)
        return Response({"id": attachment.pk, "name": attachment.name, "size": attachment.size,
                         "content_type": attachment.content_type}, status=status.HTTP_201_CREATED)
