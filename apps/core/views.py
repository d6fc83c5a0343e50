"""The base of every API view: body size limit and ``Idempotency-Key`` on writes."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.response import Response
from rest_framework.views import APIView

from . import idempotency

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})


class PayloadTooLarge(APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = _("The request body is too large.")
    default_code = "payload_too_large"


class WeftAPIView(APIView):
    """Views translate HTTP to service calls; they hold no business rules."""

    max_body_bytes: int | None = None
    idempotent = True

    def body_limit(self) -> int:
        return self.max_body_bytes or settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > self.body_limit():
            raise PayloadTooLarge(_("The request body is larger than %(n)d bytes.") % {"n": self.body_limit()})
        self._idempotency_claim = None
        key = request.headers.get("Idempotency-Key")
        if key is not None and self.idempotent and request.method in WRITE_METHODS:
            body = request._request.body if "json" in (request.content_type or "") or not request.content_type else b""
            self._idempotency_claim = idempotency.begin(request.workspace.pk, key, request.method,
                                                        request.get_full_path(), body)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return Response(exc.body, status=exc.status, headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)

    def finalize_response(self, request, response, *args, **kwargs):
        response = super().finalize_response(request, response, *args, **kwargs)
        claim = getattr(self, "_idempotency_claim", None)
        if claim is not None:
            self._idempotency_claim = None
            if response.status_code >= 500 or getattr(response, "streaming", False):
                idempotency.release(claim)
            else:
                idempotency.complete(claim, response.status_code, getattr(response, "data", None))
        return response
