"""The OpenAPI components of the flow, run and notification endpoints.

Documentation only: the views parse and answer plain JSON themselves. A flow
definition is described by its top-level keys; its full rules are the JSON Schema
in `platform/schemas/flow.schema.json` and each step and trigger type's own.
"""

from __future__ import annotations

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from apps.core.schemas_api import LabelField, OpenObjectSerializer, any_json, page, values, when

from ..models import RunStatus


class TriggerSerializer(OpenObjectSerializer):
    """What starts the flow; the other keys depend on its `type`."""

    extra_values = {"description": "an option of the trigger's type (e.g. `form`, `on`, `cron`)"}

    type = serializers.CharField(help_text="record, schedule, webhook, manual, call or before_save")


class FlowSettingsSerializer(serializers.Serializer):
    concurrency = serializers.IntegerField(required=False, min_value=1, max_value=1000)
    retention_days = serializers.IntegerField(required=False, min_value=1, max_value=3650)
    breaker_threshold = serializers.IntegerField(required=False, min_value=0, max_value=1000)


class FlowDefinitionSerializer(serializers.Serializer):
    """A flow definition, validated fully against `platform/schemas/flow.schema.json` and each step type's rules."""

    key = serializers.CharField(help_text="lower-case letters, digits and '_', starting with a letter; cannot change")
    name = LabelField()
    description = LabelField(required=False)
    trigger = TriggerSerializer()
    steps = serializers.ListField(child=values("a step: `id`, `type` and the type's own keys"),
                                  help_text="run in order; branches and loops nest their own lists")
    output = any_json("what a run answers, as expressions over its variables", required=False)
    settings = FlowSettingsSerializer(required=False)


class FlowSerializer(serializers.Serializer):
    """A flow; editors also see its webhook URL, and `warnings` when credentials are written as plain text."""

    id = serializers.IntegerField()
    key = serializers.CharField()
    name = serializers.CharField()
    version = serializers.IntegerField()
    enabled = serializers.BooleanField()
    paused = serializers.BooleanField(help_text="paused by the breaker after repeated failures; see resume")
    paused_reason = serializers.CharField(allow_blank=True)
    trigger_type = serializers.CharField()
    webhook_url = serializers.CharField(allow_null=True, help_text="shown to editors of a webhook-triggered flow")
    definition = FlowDefinitionSerializer()
    created_at = when()
    updated_at = when()
    warnings = values("path → advice, where a credential is written as plain text", required=False)


class FlowVersionSerializer(serializers.Serializer):
    version = serializers.IntegerField()
    definition = FlowDefinitionSerializer()
    created_at = when()


class FlowCheckSerializer(serializers.Serializer):
    """The outcome of checking a definition: 200 when valid, 400 with the problems by path when not."""

    valid = serializers.BooleanField()
    errors = serializers.DictField(child=serializers.ListField(child=serializers.CharField()),
                                   help_text="messages by path in the definition")
    steps = serializers.DictField(child=serializers.CharField(), help_text="error path → the id of its step")
    warnings = values("path → advice, where a credential is written as plain text", required=False)


class ManualRunSerializer(serializers.Serializer):
    record = serializers.IntegerField(required=False, allow_null=True, help_text="the record the run is about")
    input = values("values the flow reads as `input`", required=False, allow_null=True)


@extend_schema_field({"type": "array", "items": {"$ref": "#/components/schemas/StepRun"}})
class StepChildrenField(serializers.Field):
    """The steps run inside a container step (loop, branch, parallel)."""


class StepRunSerializer(serializers.Serializer):
    """One step's execution, nested under the loop or branch it ran in."""

    path = serializers.CharField(help_text="where it sits in the definition, e.g. `loop[2].take`")
    id = serializers.CharField(help_text="the step's id")
    type = serializers.CharField()
    status = serializers.CharField()
    attempts = serializers.IntegerField()
    input = any_json("what the step was given", allow_null=True)
    output = any_json("what the step produced", allow_null=True)
    error = any_json("why it failed", allow_null=True)
    started_at = when(allow_null=True)
    finished_at = when(allow_null=True)
    children = StepChildrenField()
    memo = values("a container's journalled decisions", required=False)


class RunSerializer(serializers.Serializer):
    """One execution of a flow. The detail also holds `input`, `variables` and the tree of `steps`."""

    id = serializers.IntegerField()
    flow = serializers.CharField(help_text="the flow's key")
    flow_version = serializers.IntegerField()
    status = serializers.ChoiceField(choices=RunStatus.choices)
    trigger = values("what started the run")
    error = any_json("the failing step and its message", allow_null=True)
    output = any_json("the run's answer", allow_null=True)
    attempts = serializers.IntegerField()
    parent = serializers.IntegerField(allow_null=True, help_text="the run that called this one")
    created_at = when(allow_null=True)
    started_at = when(allow_null=True)
    finished_at = when(allow_null=True)
    wake_at = when(allow_null=True, help_text="when a waiting run resumes")


class RunDetailSerializer(RunSerializer):
    input = values("what the run was started with")
    variables = values("the run's variables as they stand")
    steps = StepRunSerializer(many=True)


class NotificationSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    title = serializers.CharField()
    body = serializers.CharField(allow_blank=True)
    link = serializers.CharField(allow_blank=True)
    run = serializers.IntegerField(allow_null=True)
    read = serializers.BooleanField()
    created_at = when()


FLOW_PAGE = page("FlowList", FlowSerializer(many=True))
FLOW_VERSION_PAGE = page("FlowVersionList", FlowVersionSerializer(many=True))
RUN_PAGE = page("RunList", RunSerializer(many=True), cursor="next_before")
NOTIFICATION_PAGE = page("NotificationList", NotificationSerializer(many=True))
