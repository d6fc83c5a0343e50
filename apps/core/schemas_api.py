"""What every API answer shares, as OpenAPI components: the error body, paging and a few field kinds.

These serializers only document the API (``@extend_schema``): the views parse
their bodies and shape their answers themselves, so nothing here is run on a
request. Each app keeps its own components in a ``schemas`` module beside its views.
"""

from __future__ import annotations

from typing import Any

from drf_spectacular.extensions import OpenApiSerializerExtension
from drf_spectacular.utils import OpenApiResponse, extend_schema_field, inline_serializer
from rest_framework import serializers

ERROR_STATUSES: dict[int, str] = {
    400: "The request is not valid: `errors` names each problem by its path in the body or by parameter.",
    403: "Your role does not allow this.",
    404: "No such object in this workspace.",
    409: "The request conflicts with the current state (a key already taken, a stale version, an object in "
         "the wrong state).",
    413: "The body is too large.",
    415: "The body's media type is not accepted.",
    422: "The request is well formed but cannot be carried out.",
    502: "The remote service failed.",
}


class OpenObjectSerializer(serializers.Serializer):
    """An object with some keys of its own and any others, which ``extra_values`` describes.

    For bodies whose keys depend on the workspace, such as a record's field values.
    """

    extra_values: dict[str, Any] = {}


class OpenObjectExtension(OpenApiSerializerExtension):
    target_class = OpenObjectSerializer
    match_subclasses = True

    def map_serializer(self, auto_schema, direction):
        schema = auto_schema._map_basic_serializer(self.target, direction)
        schema["additionalProperties"] = dict(self.target.extra_values)
        return schema


class ErrorSerializer(OpenObjectSerializer):
    """Every refusal has this shape: a stable `code` to branch on and the messages by path.

    A path is a body key (`qty`), a nested path (`lines[2].sku`), a query parameter, or
    `non_field_errors` for the request as a whole. Some codes add keys of their own,
    e.g. `current_version` with `stale_version` or `record_id` with `duplicate_key`.
    """

    extra_values = {"description": "what some codes add, e.g. current_version, record_id, rows, steps"}

    code = serializers.CharField(help_text="e.g. validation_failed, not_found, permission_denied, stale_version")
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="messages a person can act on, by path")


def error_answers(*statuses: int) -> dict[int, OpenApiResponse]:
    """The shared error body under each of ``statuses``, for ``extend_schema(responses=...)``."""
    return {status: OpenApiResponse(ErrorSerializer, description=ERROR_STATUSES[status]) for status in statuses}


def answers(success: dict[Any, Any], *statuses: int) -> dict[Any, Any]:
    """``responses=`` of an operation: its success bodies, then the error body for each error status."""
    return {**success, **error_answers(*statuses)}


NO_CONTENT = {204: OpenApiResponse(description="Done; no body.")}


def page(name: str, item: serializers.Serializer, *, cursor: str | None = None,
         **extra: serializers.Field) -> serializers.Serializer:
    """A listing answer named ``name``: ``results`` of ``item`` and, when paged, its cursor.

    ``cursor`` is ``"next_cursor"`` (an opaque text) or ``"next_before"`` (an id);
    either is null on the last page. Call once per name, at import time: two
    components of one name would clash.
    """
    fields: dict[str, serializers.Field] = {"results": item}
    if cursor == "next_cursor":
        fields[cursor] = serializers.CharField(allow_null=True, help_text="pass as `cursor` for the next page; "
                                                                          "null on the last page")
    elif cursor == "next_before":
        fields[cursor] = serializers.IntegerField(allow_null=True, help_text="pass as `before` for the next page; "
                                                                             "null on the last page")
    elif cursor is not None:
        raise ValueError(f"unknown cursor {cursor!r}")
    return inline_serializer(name, {**fields, **extra})


def when(**kwargs: Any) -> serializers.DateTimeField:
    """A date-time as ISO 8601 text."""
    return serializers.DateTimeField(**kwargs)


def values(help_text: str, **kwargs: Any) -> serializers.DictField:
    """An object whose keys are chosen by the workspace (field keys, header names): any JSON per key."""
    return serializers.DictField(child=serializers.JSONField(), help_text=help_text, **kwargs)


def any_json(help_text: str, **kwargs: Any) -> serializers.JSONField:
    return serializers.JSONField(help_text=help_text, **kwargs)


@extend_schema_field({"anyOf": [{"type": "integer"}, {"type": "string", "format": "decimal"}],
                      "description": "a whole number, or a decimal as text (never a float)"})
class NumberField(serializers.Field):
    """A counter amount: an integer, or a decimal written as text so that no digit is lost."""


@extend_schema_field({"anyOf": [{"type": "integer", "nullable": True},
                                {"type": "string", "format": "decimal", "nullable": True}],
                      "description": "a whole number, a decimal as text (never a float), or null"})
class NumberOrNullField(serializers.Field):
    """A counter amount that may be absent (OpenAPI 3.0 reads `nullable` only beside a `type`)."""


@extend_schema_field({"oneOf": [{"type": "string"}, {"type": "object", "additionalProperties": {"type": "string"}}],
                      "description": "text, or the text per language code (`{\"en\": ..., \"zh-hans\": ...}`)"})
class LabelField(serializers.Field):
    """A label a definition names in one language or several."""


def replay_warning() -> serializers.CharField:
    """The ``warning`` beside a secret shown once: an ``Idempotency-Key`` replay answers the secret as null."""
    return serializers.CharField(required=False, help_text="present on an Idempotency-Key replay, whose "
                                                           "secret is answered as null")
