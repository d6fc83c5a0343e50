"""OpenAPI generation for views that speak plain JSON through services rather than serializers."""

from __future__ import annotations

from drf_spectacular.extensions import OpenApiAuthenticationExtension
from drf_spectacular.openapi import AutoSchema
from drf_spectacular.types import OpenApiTypes


class WeftAutoSchema(AutoSchema):
    """Documents serializer-less views as JSON objects instead of skipping them."""

    def get_request_serializer(self):
        return OpenApiTypes.OBJECT if self.method in ("POST", "PUT", "PATCH") else None

    def get_response_serializers(self):
        return OpenApiTypes.OBJECT

    def get_operation_id(self):
        action = {"GET": "get", "POST": "create", "PUT": "replace", "PATCH": "update", "DELETE": "delete"}
        name = self.view.__class__.__name__.removesuffix("View")
        variant = str(getattr(self.view, "action", "") or "").title()
        return f"{action.get(self.method, self.method.lower())}{name}{variant}"


class TokenScheme(OpenApiAuthenticationExtension):
    target_class = "apps.accounts.authentication.TokenAuthentication"
    name = "apiToken"

    def get_security_definition(self, auto_schema):
        return {"type": "http", "scheme": "bearer", "description": "An API token: `Authorization: Bearer weft_...`"}
