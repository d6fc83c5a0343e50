"""The base of every API view: body size limit and ``Idempotency-Key`` on writes."""

from __future__ import annotations

import contextlib

from django.conf import settings
from django.db import transaction
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
    """Views translate HTTP to service calls; they hold no business rules.

    A write sent with an ``Idempotency-Key`` runs in one transaction with the
    storing of its answer (see ``idempotency``). ``secret_fields`` names the
    fields of an answer that are shown only once: they are not stored, and a
    replay answers them as ``null`` with a ``warning``.
    """

    max_body_bytes: int | None = None
    idempotent = True
    secret_fields: tuple[str, ...] = ()

    def body_limit(self) -> int:
        return self.max_body_bytes or settings.DATA_UPLOAD_MAX_MEMORY_SIZE

    def dispatch(self, request, *args, **kwargs):
        """With a claimed key, the write commits with its stored answer, or neither does and the key is freed."""
        self._idempotency_claim = None
        stored = False
        try:
            with contextlib.ExitStack() as self._idempotency_scope:
                response = super().dispatch(request, *args, **kwargs)
                claim = self._idempotency_claim
                if claim is None:
                    return response
                if response.status_code >= 500 or getattr(response, "streaming", False):
                    transaction.set_rollback(True)
                elif idempotency.complete(claim, response.status_code, getattr(response, "data", None),
                                          self.secret_fields):
                    stored = True
                else:
                    transaction.set_rollback(True)
                    response = self.finalize_response(self.request, self.handle_exception(idempotency.KeyTakenOver()),
                                                      *args, **kwargs)
            return response
        finally:
            if self._idempotency_claim is not None and not stored:
                idempotency.release(self._idempotency_claim)

    def initial(self, request, *args, **kwargs):
        super().initial(request, *args, **kwargs)
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > self.body_limit():
            raise PayloadTooLarge(_("The request body is larger than %(n)d bytes.") % {"n": self.body_limit()})
        key = request.headers.get("Idempotency-Key")
        if key is not None and self.idempotent and request.method in WRITE_METHODS:
            body = request._request.body if "json" in (request.content_type or "") or not request.content_type else b""
            principal = idempotency.principal_of(request.member.pk, getattr(request.auth, "pk", None))
            self._idempotency_claim = idempotency.begin(request.workspace.pk, principal, key, request.method,
                                                        request.get_full_path(), body)
            self._idempotency_scope.enter_context(transaction.atomic())
            idempotency.hold(self._idempotency_claim)

    def handle_exception(self, exc):
        if isinstance(exc, idempotency.Replay):
            return Response(idempotency.replayed(exc.body, self.secret_fields), status=exc.status,
                            headers={"Idempotent-Replayed": "true"})
        return super().handle_exception(exc)
