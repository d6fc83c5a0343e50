"""The OpenAPI components of the audit listing.

Documentation only: the view answers plain JSON itself.
"""

from __future__ import annotations

from rest_framework import serializers

from apps.core.schemas_api import page, values, when


class AuditEntrySerializer(serializers.Serializer):
    """Who changed which definition, when, and how."""

    id = serializers.IntegerField()
    action = serializers.CharField(help_text="e.g. form.updated, endpoint.secret_rotated")
    object_type = serializers.CharField()
    object_id = serializers.CharField()
    object = serializers.CharField(allow_blank=True, help_text="the object's name when it changed")
    actor = serializers.IntegerField(allow_null=True, help_text="member id")
    diff = values("what changed (before/after, changes), by the action's own shape")
    at = when()


AUDIT_PAGE = page("AuditList", AuditEntrySerializer(many=True))
