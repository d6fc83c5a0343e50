"""Errors as data: each carries a stable code, an HTTP status and messages a person can act on.

Services raise these; the API layer turns them into ``{"errors": {...}, "code": ...}``.
Each app defines its own subclasses in its ``errors.py``.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

NON_FIELD = "non_field_errors"


class WeftError(Exception):
    code: str = "error"
    status: int = 400
    default_message: Any = _("The request could not be completed.")

    def __init__(
        self,
        message: Any = None,
        *,
        errors: dict[str, list[Any]] | None = None,
        extra: dict[str, Any] | None = None,
    ):
        self.message = message if message is not None else self.default_message
        self.errors = errors if errors is not None else {NON_FIELD: [self.message]}
        self.extra = extra or {}
        super().__init__(str(self.message))

    def as_data(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "code": self.code,
            "errors": {key: [str(m) for m in msgs] for key, msgs in self.errors.items()},
        }
        data.update(self.extra)
        return data


class ValidationFailed(WeftError):
    code = "validation_failed"
    status = 400
    default_message = _("The data is not valid.")

    def __init__(self, errors: dict[str, list[Any]], *, extra: dict[str, Any] | None = None):
        super().__init__(self.default_message, errors=errors, extra=extra)


class NotFound(WeftError):
    code = "not_found"
    status = 404
    default_message = _("Not found.")


class PermissionDenied(WeftError):
    code = "permission_denied"
    status = 403
    default_message = _("You do not have permission to do this.")


class Conflict(WeftError):
    code = "conflict"
    status = 409
    default_message = _("The request conflicts with the current state.")


class Unprocessable(WeftError):
    code = "unprocessable"
    status = 422
    default_message = _("The request cannot be processed.")


class ErrorCollector:
    """Accumulates errors by path so that every problem is reported at once."""

    def __init__(self) -> None:
        self.errors: dict[str, list[Any]] = {}

    def add(self, path: str, message: Any) -> None:
        self.errors.setdefault(path or NON_FIELD, []).append(message)

    def merge(self, errors: dict[str, list[Any]], prefix: str = "") -> None:
        for path, messages in errors.items():
            for message in messages:
                self.add(join_path(prefix, path), message)

    def __bool__(self) -> bool:
        return bool(self.errors)

    def raise_if_any(self) -> None:
        if self.errors:
            raise ValidationFailed(self.errors)


def join_path(prefix: str, path: str) -> str:
    if not prefix:
        return path
    if not path or path == NON_FIELD:
        return prefix
    if path.startswith("["):
        return f"{prefix}{path}"
    return f"{prefix}.{path}"
