"""Outbound webhook endpoints: parse, call a service, shape the answer. Builders write, members read."""

from __future__ import annotations

from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.response import Response

from apps.accounts.models import Role
from apps.core.paging import before_id, page_limit
from apps.core.schemas_api import NO_CONTENT, answers
from apps.core.views import WeftAPIView

from ..outbound import subscriptions as services
from ..outbound.representation import attempt_to_api, message_to_api, subscription_to_api
from . import schemas


def _shown(request, sub) -> dict:
    return subscription_to_api(sub, reveal_headers=request.member.has_role(Role.BUILDER))


class SubscriptionListView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER
    secret_fields = ("secret",)

    @extend_schema(responses=answers({200: schemas.SUBSCRIPTION_PAGE}, 403))
    def get(self, request):
        return Response({"results": [_shown(request, sub) for sub in services.list_subscriptions(request.workspace)]})

    @extend_schema(summary="Subscribe a URL to events; the answer holds the signing secret, shown this once",
                   request=schemas.SubscriptionInputSerializer,
                   responses=answers({201: schemas.SubscriptionWithSecretSerializer}, 400, 403, 409))
    def post(self, request):
        sub, secret = services.create_subscription(request.workspace, request.data, member=request.member)
        return Response({**_shown(request, sub), "secret": secret}, status=status.HTTP_201_CREATED)


class SubscriptionDetailView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER

    @extend_schema(responses=answers({200: schemas.SubscriptionSerializer}, 403, 404))
    def get(self, request, key: str):
        return Response(_shown(request, services.get_subscription(request.workspace, key)))

    @extend_schema(summary="Replace a subscription's settings (its secret changes only by rotation)",
                   request=schemas.SubscriptionInputSerializer,
                   responses=answers({200: schemas.SubscriptionSerializer}, 400, 403, 404))
    def put(self, request, key: str):
        sub = services.get_subscription(request.workspace, key)
        return Response(_shown(request, services.update_subscription(sub, request.data, member=request.member)))

    @extend_schema(responses=answers(NO_CONTENT, 403, 404))
    def delete(self, request, key: str):
        services.delete_subscription(services.get_subscription(request.workspace, key), member=request.member)
        return Response(status=status.HTTP_204_NO_CONTENT)


class SubscriptionEnableView(WeftAPIView):
    """Also after too many failures: the messages that waited go out."""
    required_role = Role.BUILDER

    write_role = Role.BUILDER
    enabled = True

    @extend_schema(request=None, responses=answers({200: schemas.SubscriptionSerializer}, 403, 404))
    def post(self, request, key: str):
        sub = services.get_subscription(request.workspace, key)
        return Response(_shown(request, services.set_enabled(sub, self.enabled, member=request.member)))


class SubscriptionDisableView(SubscriptionEnableView):
    """Events are no longer turned into messages; pending ones wait until it is enabled again."""

    enabled = False


class SubscriptionRotateView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER
    secret_fields = ("secret",)

    @extend_schema(summary="A new signing secret, shown this once; the old one keeps signing for 24 hours",
                   request=None, responses=answers({200: schemas.SubscriptionWithSecretSerializer}, 403, 404))
    def post(self, request, key: str):
        sub, secret = services.rotate_secret(services.get_subscription(request.workspace, key),
                                             member=request.member)
        return Response({**_shown(request, sub), "secret": secret})


class SubscriptionTestView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER
    idempotent = False

    @extend_schema(summary="Send a ping now and answer with its outcome (it is not retried)", request=None,
                   responses=answers({200: schemas.MessageSerializer}, 403, 404))
    def post(self, request, key: str):
        message = services.send_test(services.get_subscription(request.workspace, key), member=request.member)
        return Response(message_to_api(message))


class SubscriptionMessagesView(WeftAPIView):
    required_role = Role.BUILDER
    @extend_schema(parameters=[OpenApiParameter("status", str, description="pending, succeeded, failed (comma-"
                                                                         "separated)"),
                               OpenApiParameter("before", int, description="cursor: next_before of the last page"),
                               OpenApiParameter("limit", int)],
                   responses=answers({200: schemas.MESSAGE_PAGE}, 400, 403, 404))
    def get(self, request, key: str):
        sub = services.get_subscription(request.workspace, key)
        statuses = [s for s in (request.query_params.get("status") or "").split(",") if s]
        page, cursor = services.messages(sub, statuses=statuses, before=before_id(request.query_params),
                                         limit=page_limit(request.query_params))
        return Response({"results": [message_to_api(m) for m in page], "next_before": cursor})


class MessageRedeliverView(WeftAPIView):
    required_role = Role.BUILDER
    write_role = Role.BUILDER
    idempotent = False

    @extend_schema(summary="Send a message again now, whatever its status; the attempt is marked manual",
                   request=None, responses=answers({200: schemas.RedeliveredSerializer}, 403, 404))
    def post(self, request, message_id: str):
        message, attempt = services.redeliver(request.workspace, message_id, member=request.member)
        return Response({"message": message_to_api(message), "attempt": attempt_to_api(attempt)})
