"""Inbound endpoints and their deliveries over the API, and the public intake URL itself."""

from __future__ import annotations

import json

from django.conf import settings
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts.models import Role
from apps.core.errors import ValidationFailed
from apps.core.paging import before_id
from apps.core.schemas_api import NO_CONTENT, answers
from apps.core.views import WeftAPIView
from apps.vault import selectors as vault_selectors

from ..errors import DeliveryNotFound
from ..inbound import endpoints as services
from ..inbound.intake import accept
from ..models import Delivery, DeliveryStatus, Endpoint
from . import schemas

PAGE = 50


def endpoint_to_api(request, endpoint: Endpoint, *, secret: bool = False) -> dict:
    data = {
        "key": endpoint.key, "name": endpoint.name,
        "url": request.build_absolute_uri(f"/api/v1/hooks/in/{endpoint.token}/"),
        "verification": endpoint.verification, "adapter": endpoint.adapter or None,
        "form": endpoint.form.key if endpoint.form_id else None,
        "flow": endpoint.flow.key if endpoint.flow_id else None,
        "mapping": endpoint.mapping, "guard": endpoint.guard, "max_body_bytes": endpoint.max_body_bytes,
        "enabled": endpoint.enabled,
        "previous_secret_expires_at": endpoint.previous_secret_expires_at.isoformat()
        if endpoint.previous_secret and endpoint.previous_secret_expires_at else None,
        "created_at": endpoint.created_at.isoformat(), "updated_at": endpoint.updated_at.isoformat(),
    }
    if secret:  # a vault reference is shown as the reference, as it was given
        data["secret"] = vault_selectors.from_text(endpoint.secret) or endpoint.secret
    return data


def delivery_to_api(delivery: Delivery, *, full: bool = False) -> dict:
    data = {"id": delivery.pk, "endpoint": delivery.endpoint.key, "delivery_id": delivery.delivery_id,
            "status": delivery.status, "received_at": delivery.received_at.isoformat(),
            "attempts": delivery.attempts, "result": delivery.result, "error": delivery.error,
            "processed_at": delivery.processed_at.isoformat() if delivery.processed_at else None}
    if full:
        data["headers"] = delivery.headers
        data["body"] = delivery.body
    return data


class EndpointListView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER
    secret_fields = ("secret",)

    @extend_schema(responses=answers({200: schemas.ENDPOINT_PAGE}, 403))
    def get(self, request):
        items = Endpoint.objects.filter(workspace=request.workspace).select_related("form", "flow").order_by("key")
        return Response({"results": [endpoint_to_api(request, e) for e in items]})

    @extend_schema(summary="Create an inbound webhook endpoint", request=schemas.EndpointInputSerializer,
                   responses=answers({201: schemas.EndpointWithSecretSerializer}, 400, 403, 409))
    def post(self, request):
        endpoint = services.create_endpoint(request.workspace, request.data, member=request.member)
        return Response(endpoint_to_api(request, endpoint, secret=True), status=status.HTTP_201_CREATED)


class EndpointDetailView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER

    @extend_schema(responses=answers({200: schemas.EndpointSerializer}, 403, 404))
    def get(self, request, key: str):
        return Response(endpoint_to_api(request, services.get_endpoint(request.workspace, key)))

    @extend_schema(request=schemas.EndpointInputSerializer,
                   responses=answers({200: schemas.EndpointSerializer}, 400, 403, 404, 409))
    def put(self, request, key: str):
        endpoint = services.update_endpoint(services.get_endpoint(request.workspace, key), request.data,
                                            member=request.member)
        return Response(endpoint_to_api(request, endpoint))

    @extend_schema(responses=answers(NO_CONTENT, 403, 404))
    def delete(self, request, key: str):
        services.delete_endpoint(services.get_endpoint(request.workspace, key), member=request.member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class EndpointRotateView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER
    secret_fields = ("secret",)

    @extend_schema(summary="Rotate an endpoint's secret; the old one stays valid for overlap_seconds",
                   request=schemas.RotateEndpointSerializer,
                   responses=answers({200: schemas.EndpointWithSecretSerializer}, 400, 403, 404))
    def post(self, request, key: str):
        body = request.data if isinstance(request.data, dict) else {}
        overlap = body.get("overlap_seconds", 86400)
        if isinstance(overlap, bool) or not isinstance(overlap, int):
            raise ValidationFailed({"overlap_seconds": [_("must be a whole number of seconds")]})
        endpoint = services.rotate_secret(services.get_endpoint(request.workspace, key), overlap_seconds=overlap,
                                          secret=body.get("secret"), member=request.member)
        return Response(endpoint_to_api(request, endpoint, secret=True))


def _deliveries(request, queryset):
    wanted = request.query_params.get("status")
    if wanted:
        if wanted not in DeliveryStatus.values:
            raise ValidationFailed({"status": [_("must be one of: %(s)s") % {"s": ", ".join(DeliveryStatus.values)}]})
        queryset = queryset.filter(status=wanted)
    if (before := before_id(request.query_params)) is not None:
        queryset = queryset.filter(pk__lt=before)
    return queryset


class EndpointDeliveryListView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER

    @extend_schema(parameters=[OpenApiParameter("status", str),
                               OpenApiParameter("before", int, description="cursor: next_before of the last page")],
                   responses=answers({200: schemas.DELIVERY_PAGE}, 400, 403, 404))
    def get(self, request, key: str):
        endpoint = services.get_endpoint(request.workspace, key)
        items = list(_deliveries(request, endpoint.deliveries.select_related("endpoint")).order_by("-id")[:PAGE + 1])
        more = len(items) > PAGE
        items = items[:PAGE]
        return Response({"results": [delivery_to_api(d) for d in items],
                         "next_before": items[-1].pk if more else None})

    @extend_schema(summary="Process again every delivery of this endpoint with the given status",
                   request=schemas.ReprocessSerializer,
                   responses=answers({202: schemas.ReprocessingSerializer}, 400, 403, 404))
    def post(self, request, key: str):
        endpoint = services.get_endpoint(request.workspace, key)
        wanted = (request.data or {}).get("status") if isinstance(request.data, dict) else None
        if wanted not in (DeliveryStatus.FAILED, DeliveryStatus.SKIPPED, DeliveryStatus.PROCESSED):
            raise ValidationFailed({"status": [_("must be failed, skipped or processed")]})
        count = services.reprocess(endpoint.deliveries.filter(status=wanted), member=request.member)
        return Response({"reprocessing": count}, status=status.HTTP_202_ACCEPTED)


def _delivery(request, pk: int) -> Delivery:
    delivery = Delivery.objects.filter(workspace=request.workspace, pk=pk).select_related("endpoint").first()
    if delivery is None:
        raise DeliveryNotFound()
    return delivery


class DeliveryDetailView(WeftAPIView):
    required_role = Role.BUILDER
    @extend_schema(responses=answers({200: schemas.DeliveryDetailSerializer}, 403, 404))
    def get(self, request, pk: int):
        return Response(delivery_to_api(_delivery(request, pk), full=True))


class DeliveryReprocessView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER

    @extend_schema(request=None, responses=answers({202: schemas.ReprocessingSerializer}, 400, 403, 404))
    def post(self, request, pk: int):
        delivery = _delivery(request, pk)
        count = services.reprocess(Delivery.objects.filter(pk=delivery.pk), member=request.member)
        if not count:
            raise ValidationFailed({"status": [_("a %(status)s delivery cannot be processed again")
                                               % {"status": delivery.status}]})
        return Response({"reprocessing": count}, status=status.HTTP_202_ACCEPTED)


def _headers(request: HttpRequest) -> dict[str, str]:
    meta = request.META
    headers = {key[5:].replace("_", "-").lower(): value for key, value in meta.items() if key.startswith("HTTP_")}
    if meta.get("CONTENT_TYPE"):
        headers["content-type"] = meta["CONTENT_TYPE"]
    return headers


@csrf_exempt
def intake_view(request: HttpRequest, token: str, *, flow: bool = False) -> HttpResponse:
    """The public URL senders post to: the unguessable token names the endpoint, the signature proves the sender.

    A plain Django view (no authentication classes, no content negotiation),
    for WSGI and Django's test client. Under the ASGI server (``manage.py
    serve``) ``apps/asgi.py`` answers this URL before Django, under the same
    rules, storing through the group commit.
    """
    if request.method != "POST":
        return HttpResponse(status=405, headers={"Allow": "POST"})
    length = request.META.get("CONTENT_LENGTH") or ""
    declared = int(length) if length.isdigit() else None
    too_big = declared is not None and declared > settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    body = b"" if too_big else request.body
    code, payload = accept(token, body, _headers(request), declared_length=declared, flow=flow)
    return HttpResponse(json.dumps(payload), status=code, content_type="application/json")


@csrf_exempt
def flow_intake_view(request: HttpRequest, token: str) -> HttpResponse:
    """A flow's webhook URL: the same intake, for the endpoint of the flow whose webhook token is ``token``."""
    return intake_view(request, token, flow=True)
