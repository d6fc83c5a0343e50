"""The OpenAPI components of the secret endpoints: names and dates, never a value.

Documentation only: the views parse and answer plain JSON themselves.
"""

from __future__ import annotations

from rest_framework import serializers

from apps.core.schemas_api import page, when


class SecretSerializer(serializers.Serializer):
    """A stored credential as the API shows it: its value is always masked."""

    name = serializers.CharField()
    description = serializers.CharField(allow_blank=True)
    value = serializers.CharField(help_text="always the mask, never the value")
    created_at = when(allow_null=True)
    created_by = serializers.IntegerField(allow_null=True, help_text="member id")
    updated_at = when(allow_null=True)
    updated_by = serializers.IntegerField(allow_null=True, help_text="member id")
    rotated_at = when(allow_null=True)
    rotated_by = serializers.IntegerField(allow_null=True, help_text="member id")
    last_used_at = when(allow_null=True)


class NewSecretSerializer(serializers.Serializer):
    """A secret to store; flows, endpoints and channel accounts refer to it by `name`."""

    name = serializers.SlugField()
    value = serializers.CharField(help_text="stored encrypted; never shown back")
    description = serializers.CharField(required=False, allow_blank=True)


class RotateSecretSerializer(serializers.Serializer):
    value = serializers.CharField(help_text="the new value; stored encrypted, never shown back")
    description = serializers.CharField(required=False, allow_blank=True)


SECRET_PAGE = page("SecretList", SecretSerializer(many=True))
