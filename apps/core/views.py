"""The base of every API view: body size limit and ``Idempotency-Key`` on writes."""

from __future__ import annotations

from django.conf import settings
from django.utils.translation import gettext_lazy as _
from rest_framework import status
from rest_framework.exceptions import APIException
from rest_framework.negotiation import BaseContentNegotiation
from rest_framework.response import Response
from rest_framework.views import APIView

from . import idempotency
from .errors import ErrorCollector

WRITE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
TRUE, FALSE = frozenset({"1", "true", "yes", "on"}), frozenset({"0", "false", "no", "off", ""})


def flag(value: object, name: str, errors: ErrorCollector) -> bool:
    """A yes/no option given as text (a query parameter, a form field); anything else is an error on ``name``."""
    text = str(value if value is not None else "").strip().lower()
    if text not in TRUE | FALSE:
        errors.add(name, _("must be true or false"))
    return text in TRUE


class FileNegotiation(BaseContentNegotiation):
    """For views that stream a file DRF does not render: ``Accept: text/csv`` is not refused; errors stay JSON."""

    def select_parser(self, request, parsers):
        return parsers[0] if parsers else None

    def select_renderer(self, request, renderers, format_suffix=None):
        return renderers[0], renderers[0].media_type


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
