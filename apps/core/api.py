"""API glue shared by every app: the error shape and the exception handler."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions as drf_exceptions
from rest_framework.response import Response
from rest_framework.views import exception_handler as drf_exception_handler

from .errors import NON_FIELD, WeftError
from .registry import UnknownType


def error_response(code: str, errors: dict[str, Any], status: int, **extra: Any) -> Response:
    return Response({"code": code, "errors": errors, **extra}, status=status)


def _flatten(detail: Any, prefix: str = "") -> dict[str, list[str]]:
    out: dict[str, list[str]] = {}
    if isinstance(detail, dict):
        for key, value in detail.items():
            path = key if not prefix else f"{prefix}.{key}"
            if key == "non_field_errors" and not prefix:
                path = NON_FIELD
            for sub, msgs in _flatten(value, path).items():
                out.setdefault(sub, []).extend(msgs)
    elif isinstance(detail, list):
        if all(not isinstance(item, dict | list) for item in detail):
            out.setdefault(prefix or NON_FIELD, []).extend(str(item) for item in detail)
        else:
            for index, value in enumerate(detail):
                for sub, msgs in _flatten(value, f"{prefix}[{index}]").items():
                    out.setdefault(sub, []).extend(msgs)
    else:
        out.setdefault(prefix or NON_FIELD, []).append(str(detail))
    return out


_DRF_CODES = {
    drf_exceptions.ParseError: "malformed_request",
    drf_exceptions.AuthenticationFailed: "authentication_failed",
    drf_exceptions.NotAuthenticated: "not_authenticated",
    drf_exceptions.PermissionDenied: "permission_denied",
    drf_exceptions.NotFound: "not_found",
    drf_exceptions.MethodNotAllowed: "method_not_allowed",
    drf_exceptions.UnsupportedMediaType: "unsupported_media_type",
    drf_exceptions.Throttled: "throttled",
    drf_exceptions.ValidationError: "validation_failed",
}


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, WeftError):
        return Response(exc.as_data(), status=exc.status)
    if isinstance(exc, UnknownType):
        return error_response("unknown_type", {NON_FIELD: [str(exc)]}, 400)
    if isinstance(exc, Http404):
        exc = drf_exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = drf_exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    code = next((c for cls, c in _DRF_CODES.items() if isinstance(exc, cls)), None)
    code = code or getattr(exc, "default_code", "error")
    detail = exc.detail if isinstance(exc, drf_exceptions.APIException) else str(exc)
    response.data = {"code": code, "errors": _flatten(detail)}
    return response
