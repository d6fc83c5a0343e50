"""``/api/v1/secrets/``: write-only. Names and dates are listed; no answer ever holds a value.

Every member may list the names (flows and channel accounts show which secret
they use, so the names are no news); builders and above create, rotate and delete.
"""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts.models import Role
from apps.core.errors import ValidationFailed
from apps.core.schemas_api import NO_CONTENT, answers
from apps.core.views import WeftAPIView

from . import schemas, services
from .models import Secret
from .selectors import MASK, secrets_of


def _iso(value):
    return value.isoformat() if value else None


def secret_to_api(secret: Secret) -> dict:
    return {"name": secret.name, "description": secret.description, "value": MASK,
            "created_at": _iso(secret.created_at), "created_by": secret.created_by_id,
            "updated_at": _iso(secret.updated_at), "updated_by": secret.updated_by_id,
            "rotated_at": _iso(secret.rotated_at),
            "rotated_by": secret.rotated_by_id, "last_used_at": _iso(secret.last_used_at)}


def _body(data) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed({"body": [_("must be a JSON object")]})
    return data


class SecretListView(WeftAPIView):
    write_role = Role.BUILDER

    @extend_schema(responses=answers({200: schemas.SECRET_PAGE}, 403))
    def get(self, request):
        return Response({"results": [secret_to_api(s) for s in secrets_of(request.workspace)]})

    @extend_schema(summary="Store a secret (its value is never shown back)", request=schemas.NewSecretSerializer,
                   responses=answers({201: schemas.SecretSerializer}, 400, 403, 409))
    def post(self, request):
        body = _body(request.data)
        secret = services.create_secret(request.workspace, body.get("name"), body.get("value"),
                                        description=body.get("description", ""), member=request.member)
        return Response(secret_to_api(secret), status=status.HTTP_201_CREATED)


class SecretDetailView(WeftAPIView):
    write_role = Role.BUILDER

    @extend_schema(responses=answers({200: schemas.SecretSerializer}, 403, 404))
    def get(self, request, name: str):
        return Response(secret_to_api(services.get_secret(request.workspace, name)))

    @extend_schema(summary="Rotate: give the secret a new value", request=schemas.RotateSecretSerializer,
                   responses=answers({200: schemas.SecretSerializer}, 400, 403, 404))
    def put(self, request, name: str):
        body = _body(request.data)
        secret = services.rotate_secret(services.get_secret(request.workspace, name), body.get("value"),
                                        description=body.get("description"), member=request.member)
        return Response(secret_to_api(secret))

    @extend_schema(responses=answers(NO_CONTENT, 403, 404, 409))
    def delete(self, request, name: str):
        services.delete_secret(services.get_secret(request.workspace, name), member=request.member)
        return Response(status=status.HTTP_204_NO_CONTENT)
