"""Flow and run endpoints: parse, call a service, shape the answer."""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.utils.dateparse import parse_datetime
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts.models import Role
from apps.core.errors import ValidationFailed
from apps.core.paging import before_id, page_limit
from apps.core.schemas_api import NO_CONTENT, answers, error_answers
from apps.core.views import WeftAPIView

from .. import services
from ..errors import FlowInactive, RunNotFound
from ..masking import credential_warnings, keep_write_only, masked_definition
from ..models import FlowVersion, Notification, Run, RunStatus
from ..validation import check_flow
from . import schemas
from .representation import flow_to_api, run_to_api


def _object(data) -> dict:
    if not isinstance(data, dict):
        raise ValidationFailed({"body": [_("must be a JSON object")]})
    return data


_PATH_PART = re.compile(r"\[(\d+)\]|[^.\[\]]+")
_SEQUENCES = ("steps", "else", "on_timeout", "branches")


def step_ids(definition: Any, paths) -> dict[str, str]:
    """The id of the step each problem is located in: ``steps[2].then[0].delta`` → that step's id.

    A step is an object with an ``id`` and a ``type`` in a list of steps (``steps``,
    ``else``, ``on_timeout``, a branch of ``branches``), known type or not;
    paths outside any step (``key``, ``trigger.form``) are left out.
    """
    located = {}
    for path in paths:
        node, step_id, key = definition, None, ""
        for match in _PATH_PART.finditer(path):
            index = match.group(1)
            if index is None:
                key = match.group(0)
                node = node.get(key) if isinstance(node, dict) else None
            else:
                node = node[int(index)] if isinstance(node, list) and int(index) < len(node) else None
                if key in _SEQUENCES and isinstance(node, dict) and isinstance(node.get("id"), str) \
                        and isinstance(node.get("type"), str):
                    step_id = node["id"]
            if node is None:
                break
        if step_id is not None:
            located[path] = step_id
    return located


def _editor(request) -> bool:
    return request.member.has_role(Role.BUILDER)


def _shown(request, flow, status_code: int = status.HTTP_200_OK) -> Response:
    """A flow as the caller may see it; to its editors, with ``warnings`` when credentials are written as text."""
    data = flow_to_api(flow, reveal=_editor(request))
    if _editor(request) and (warnings := credential_warnings(flow.definition)):
        data["warnings"] = warnings
    return Response(data, status=status_code)


def _located(exc: ValidationFailed, definition: Any) -> ValidationFailed:
    """Add ``steps`` (error path → step id) to a definition's validation errors."""
    exc.extra = {**exc.extra, "steps": step_ids(definition, exc.errors)}
    return exc


class FlowListView(WeftAPIView):
    write_role = Role.BUILDER

    @extend_schema(responses=answers({200: schemas.FLOW_PAGE}, 403))
    def get(self, request):
        flows = request.workspace.flows.order_by("key")
        return Response({"results": [flow_to_api(f, reveal=_editor(request)) for f in flows]})

    @extend_schema(summary="Create a flow from a JSON definition (validated fully, errors located by path)",
                   request=schemas.FlowDefinitionSerializer,
                   responses=answers({201: schemas.FlowSerializer}, 400, 403, 409))
    def post(self, request):
        try:
            flow = services.create_flow(request.workspace, _object(request.data), member=request.member)
        except ValidationFailed as exc:
            raise _located(exc, request.data) from None
        return _shown(request, flow, status.HTTP_201_CREATED)


class FlowDetailView(WeftAPIView):
    write_role = Role.BUILDER

    @extend_schema(responses=answers({200: schemas.FlowSerializer}, 403, 404))
    def get(self, request, key: str):
        return _shown(request, services.get_flow(request.workspace, key))

    @extend_schema(summary="Save a new version; running runs finish on their own version",
                   request=schemas.FlowDefinitionSerializer,
                   responses=answers({200: schemas.FlowSerializer}, 400, 403, 404, 409))
    def put(self, request, key: str):
        flow = services.get_flow(request.workspace, key)
        try:
            flow = services.update_flow(flow, keep_write_only(_object(request.data), flow.definition),
                                        member=request.member)
        except ValidationFailed as exc:
            raise _located(exc, request.data) from None
        return _shown(request, flow)

    @extend_schema(responses=answers(NO_CONTENT, 403, 404, 409))
    def delete(self, request, key: str):
        services.delete_flow(services.get_flow(request.workspace, key), member=request.member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class FlowValidateView(WeftAPIView):
    write_role = Role.BUILDER
    idempotent = False

    @extend_schema(summary="Check a definition without saving it", request=schemas.FlowDefinitionSerializer,
                   responses={200: schemas.FlowCheckSerializer, 400: schemas.FlowCheckSerializer,
                              **error_answers(403)})
    def post(self, request):
        key = request.data.get("key") if isinstance(request.data, dict) else None
        stored = request.workspace.flows.filter(key=key).first() if isinstance(key, str) else None
        definition = keep_write_only(request.data, stored.definition if stored else None)
        errors = check_flow(request.workspace, definition)
        warnings = credential_warnings(request.data)
        return Response({"valid": not errors, "errors": errors.errors,
                         "steps": step_ids(request.data, errors.errors), **({"warnings": warnings} if warnings else {})},
                        status=status.HTTP_200_OK if not errors else status.HTTP_400_BAD_REQUEST)


class FlowVersionListView(WeftAPIView):
    @extend_schema(responses=answers({200: schemas.FLOW_VERSION_PAGE}, 403, 404))
    def get(self, request, key: str):
        flow = services.get_flow(request.workspace, key)
        reveal = _editor(request)
        return Response({"results": [{"version": v.version,
                                      "definition": masked_definition(v.definition, reveal=reveal),
                                      "created_at": v.created_at.isoformat()}
                                     for v in FlowVersion.objects.filter(flow=flow).order_by("-version")]})


class FlowActionView(WeftAPIView):
    """``enable``, ``disable``, ``resume`` (after the breaker paused it)."""

    write_role = Role.BUILDER
    action = ""

    @extend_schema(request=None, responses=answers({200: schemas.FlowSerializer}, 400, 403, 404, 409))
    def post(self, request, key: str):
        flow = services.get_flow(request.workspace, key)
        if self.action == "resume":
            flow = services.resume_flow(flow, member=request.member)
        else:
            flow = services.set_enabled(flow, self.action == "enable", member=request.member)
        return _shown(request, flow)


class FlowRunView(WeftAPIView):
    @extend_schema(summary="Run a manual flow (optionally on a record)", request=schemas.ManualRunSerializer,
                   responses=answers({202: schemas.RunSerializer}, 400, 403, 404, 409))
    def post(self, request, key: str):
        flow = services.get_flow(request.workspace, key)
        if not flow.active:
            raise FlowInactive()
        body = _object(request.data or {})
        run = services.start_manual_run(flow, member=request.member, record_id=body.get("record"),
                                        input=body.get("input"))
        return Response(run_to_api(run), status=status.HTTP_202_ACCEPTED)


def _when(request, name: str) -> datetime | None:
    raw = request.query_params.get(name)
    if not raw:
        return None
    value = parse_datetime(raw)
    if value is None:
        raise ValidationFailed({name: [_("must be an ISO 8601 date-time")]})
    return value


class RunListView(WeftAPIView):
    @extend_schema(parameters=[OpenApiParameter("flow", str), OpenApiParameter("status", str),
                               OpenApiParameter("since", str), OpenApiParameter("until", str),
                               OpenApiParameter("before", int, description="id cursor"),
                               OpenApiParameter("limit", int)],
                   responses=answers({200: schemas.RUN_PAGE}, 400, 403, 404))
    def get(self, request):
        runs = Run.objects.filter(workspace=request.workspace).select_related("flow")
        if flow_key := request.query_params.get("flow"):
            runs = runs.filter(flow=services.get_flow(request.workspace, flow_key))
        if wanted := request.query_params.get("status"):
            statuses = wanted.split(",")
            unknown = set(statuses) - set(RunStatus.values)
            if unknown:
                raise ValidationFailed({"status": [_("unknown status: %(s)s") % {"s": ", ".join(sorted(unknown))}]})
            runs = runs.filter(status__in=statuses)
        if since := _when(request, "since"):
            runs = runs.filter(created_at__gte=since)
        if until := _when(request, "until"):
            runs = runs.filter(created_at__lt=until)
        limit = page_limit(request.query_params)
        if (before := before_id(request.query_params)) is not None:
            runs = runs.filter(pk__lt=before)
        rows = list(runs.order_by("-id")[: limit + 1])
        return Response({"results": [run_to_api(r) for r in rows[:limit]],
                         "next_before": rows[limit - 1].pk if len(rows) > limit else None})


def _run(request, pk: int) -> Run:
    run = Run.objects.filter(workspace=request.workspace, pk=pk).select_related("flow").first()
    if run is None:
        raise RunNotFound()
    return run


class RunDetailView(WeftAPIView):
    @extend_schema(responses=answers({200: schemas.RunDetailSerializer}, 403, 404))
    def get(self, request, pk: int):
        run = _run(request, pk)
        return Response(run_to_api(run, steps=list(run.steps.all())))


class RunCancelView(WeftAPIView):
    write_role = Role.BUILDER
    @extend_schema(request=None, responses=answers({200: schemas.RunSerializer}, 403, 404, 409))
    def post(self, request, pk: int):
        run = services.cancel_run(_run(request, pk))
        return Response(run_to_api(run))


class RunRetryView(WeftAPIView):
    write_role = Role.BUILDER
    @extend_schema(summary="Retry a failed run from its failed step", request=None,
                   responses=answers({202: schemas.RunSerializer}, 403, 404, 409))
    def post(self, request, pk: int):
        run = services.retry_run(_run(request, pk))
        return Response(run_to_api(run), status=status.HTTP_202_ACCEPTED)


class NotificationListView(WeftAPIView):
    @extend_schema(responses=answers({200: schemas.NOTIFICATION_PAGE}, 403))
    def get(self, request):
        items = Notification.objects.filter(member=request.member, workspace=request.workspace)[:100]
        return Response({"results": [{"id": n.pk, "title": n.title, "body": n.body, "link": n.link,
                                      "run": n.run_id, "read": n.read_at is not None,
                                      "created_at": n.created_at.isoformat()} for n in items]})
