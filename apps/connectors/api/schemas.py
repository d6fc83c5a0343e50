"""The OpenAPI components of the endpoint, delivery, subscription, channel and journal export endpoints.

Documentation only: the views parse and answer plain JSON themselves.
"""

from __future__ import annotations

from rest_framework import serializers

from apps.core.schemas_api import LabelField, any_json, page, replay_warning, values, when

from ..inbound.endpoints import REPROCESSABLE
from ..models import DeliveryStatus

SECRET_REFERENCE = "a secret may be given as `{\"secret\": \"<vault secret name>\"}` instead of its value"


# --- inbound endpoints and deliveries ---------------------------------------------------


class EndpointInputSerializer(serializers.Serializer):
    """An inbound webhook endpoint: where senders post, how they are verified, and what is done with the body.

    On create every key but `key` has a default; on replace, keys left out keep their value.
    """

    key = serializers.SlugField(max_length=80)
    name = serializers.CharField(required=False, max_length=200)
    verification = values("`mode` (standard_webhooks, hmac, token, none...) and the mode's options",
                          required=False)
    secret = any_json("the verification secret; generated when absent. " + SECRET_REFERENCE, required=False)
    adapter = serializers.CharField(required=False, allow_blank=True,
                                    help_text="a channel adapter's key: its mapping to the canonical order")
    form = serializers.CharField(required=False, allow_null=True, help_text="the key of the form records go to")
    flow = serializers.CharField(required=False, allow_null=True, help_text="the key of the flow started")
    mapping = values("field key → expression over the body", required=False)
    guard = serializers.ListField(child=serializers.JSONField(), required=False,
                                  help_text="conditions a body must meet to be processed")
    max_body_bytes = serializers.IntegerField(required=False, min_value=1)
    enabled = serializers.BooleanField(required=False)


class EndpointSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    url = serializers.URLField(help_text="where senders post")
    verification = values("`mode` and its options")
    adapter = serializers.CharField(allow_null=True)
    form = serializers.CharField(allow_null=True)
    flow = serializers.CharField(allow_null=True)
    mapping = values("field key → expression over the body")
    guard = serializers.ListField(child=serializers.JSONField())
    max_body_bytes = serializers.IntegerField()
    enabled = serializers.BooleanField()
    previous_secret_expires_at = when(allow_null=True, help_text="until when the old secret is still accepted")
    created_at = when()
    updated_at = when()


class EndpointWithSecretSerializer(EndpointSerializer):
    """An endpoint with its secret, shown on create and rotation only."""

    secret = serializers.CharField(allow_null=True, help_text="null on an Idempotency-Key replay")
    warning = replay_warning()


class RotateEndpointSerializer(serializers.Serializer):
    overlap_seconds = serializers.IntegerField(required=False, default=86400, min_value=0, max_value=7 * 86400,
                                               help_text="how long the old secret stays valid")
    secret = serializers.CharField(required=False, min_length=16, help_text="the new secret; generated when absent")


class DeliverySerializer(serializers.Serializer):
    """One body received at an endpoint, stored before it is processed."""

    id = serializers.IntegerField()
    endpoint = serializers.CharField(help_text="the endpoint's key")
    delivery_id = serializers.CharField(allow_null=True, help_text="the sender's id, used to deduplicate")
    status = serializers.ChoiceField(choices=DeliveryStatus.choices)
    received_at = when()
    attempts = serializers.IntegerField()
    result = values("what processing did (the record or run it made)")
    error = any_json("why processing failed", allow_null=True)
    processed_at = when(allow_null=True)


class DeliveryDetailSerializer(DeliverySerializer):
    headers = serializers.DictField(child=serializers.CharField())
    body = serializers.CharField(allow_blank=True)


class ReprocessSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=REPROCESSABLE, help_text="the deliveries of this status are processed again")


class ReprocessingSerializer(serializers.Serializer):
    reprocessing = serializers.IntegerField(help_text="how many deliveries were queued again")


# --- outbound subscriptions and messages ------------------------------------------------


class SubscriptionInputSerializer(serializers.Serializer):
    """A URL subscribed to events, signed with the subscription's secret."""

    key = serializers.CharField(max_length=80, help_text="letters, digits, '-' and '_'; cannot change")
    name = serializers.CharField(required=False)
    url = serializers.URLField()
    events = serializers.ListField(child=serializers.CharField(), help_text="event types, e.g. record.created")
    forms = serializers.ListField(child=serializers.CharField(), required=False,
                                  help_text="form keys; none: every form")
    headers = values("header name → value sent with each message; " + SECRET_REFERENCE, required=False)
    failure_threshold = serializers.IntegerField(required=False, min_value=1, max_value=1000,
                                                 help_text="consecutive failures that disable the subscription")
    enabled = serializers.BooleanField(required=False, help_text="on create only")
    secret = any_json("on create only: the signing secret; generated when absent. " + SECRET_REFERENCE,
                      required=False)


class SubscriptionSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    url = serializers.CharField()
    events = serializers.ListField(child=serializers.CharField())
    forms = serializers.ListField(child=serializers.CharField())
    headers = values("header name → value; masked to members below builder")
    enabled = serializers.BooleanField()
    failure_threshold = serializers.IntegerField()
    consecutive_failures = serializers.IntegerField()
    disabled_at = when(allow_null=True)
    disabled_reason = serializers.CharField(allow_blank=True)
    created_at = when(allow_null=True)
    updated_at = when(allow_null=True)


class SubscriptionWithSecretSerializer(SubscriptionSerializer):
    """A subscription with its signing secret, shown on create and rotation only."""

    secret = serializers.CharField(allow_null=True, help_text="null on an Idempotency-Key replay")
    warning = replay_warning()


class AttemptSerializer(serializers.Serializer):
    started_at = when(allow_null=True)
    status_code = serializers.IntegerField(allow_null=True)
    latency_ms = serializers.IntegerField(allow_null=True)
    succeeded = serializers.BooleanField()
    error = serializers.CharField(allow_null=True, allow_blank=True)
    response_excerpt = serializers.CharField(allow_null=True, allow_blank=True)
    manual = serializers.BooleanField()


class MessageSerializer(serializers.Serializer):
    """One event sent to one subscription, with every attempt."""

    id = serializers.CharField(help_text="the message id (also the `webhook-id` header)")
    event_type = serializers.CharField()
    event = serializers.IntegerField(allow_null=True)
    status = serializers.CharField(help_text="pending, succeeded or failed")
    attempts = serializers.IntegerField()
    next_attempt_at = when(allow_null=True)
    last_status_code = serializers.IntegerField(allow_null=True)
    last_error = serializers.CharField(allow_null=True, allow_blank=True)
    created_at = when(allow_null=True)
    finished_at = when(allow_null=True)
    payload = values("the signed body")
    attempt_log = AttemptSerializer(many=True)


class RedeliveredSerializer(serializers.Serializer):
    message = MessageSerializer()
    attempt = AttemptSerializer()


# --- channel adapters and accounts ------------------------------------------------------


class AdapterSerializer(serializers.Serializer):
    """A sales channel's adapter: its payload mapped to the canonical order, as data."""

    key = serializers.CharField()
    name = LabelField()
    pull = serializers.BooleanField(help_text="can pull orders on a schedule")
    stock_update = serializers.BooleanField(help_text="can push available stock")
    verification = values("how the channel's webhooks are verified", allow_null=True)
    credentials = values("credential name → how it is described (and whether it is secret)")
    hosts = serializers.ListField(child=serializers.CharField())


class ChannelAccountInputSerializer(serializers.Serializer):
    """A shop on a sales channel. On replace, keys left out keep their value."""

    key = serializers.SlugField(max_length=80)
    name = serializers.CharField(required=False, max_length=200)
    adapter = serializers.CharField(help_text="a channel adapter's key")
    endpoint = serializers.CharField(required=False, allow_null=True,
                                     help_text="the key of the endpoint pulled orders are stored through")
    base_url = serializers.CharField(required=False, allow_blank=True)
    credentials = values("as the adapter declares them; " + SECRET_REFERENCE, required=False)
    pull_enabled = serializers.BooleanField(required=False)
    pull_interval_seconds = serializers.IntegerField(required=False, min_value=5, max_value=86400)
    cursor = serializers.CharField(required=False, allow_blank=True, max_length=200)
    stock_form = serializers.CharField(required=False, allow_null=True, allow_blank=True)
    stock_sku_field = serializers.CharField(required=False, allow_blank=True)
    stock_available = serializers.CharField(required=False, allow_blank=True, help_text="an expression")
    stock_listing = values("the channel's id name → value or {{ expression }}", required=False)
    push_enabled = serializers.BooleanField(required=False)
    push_window_seconds = serializers.IntegerField(required=False, min_value=0, max_value=3600)
    enabled = serializers.BooleanField(required=False)


class ChannelAccountSerializer(serializers.Serializer):
    key = serializers.CharField()
    name = serializers.CharField()
    adapter = serializers.CharField()
    endpoint = serializers.CharField(allow_null=True)
    base_url = serializers.CharField(allow_blank=True)
    credentials = values("secret ones masked or shown as their vault reference")
    pull_enabled = serializers.BooleanField()
    pull_interval_seconds = serializers.IntegerField()
    cursor = serializers.CharField(allow_blank=True)
    next_pull_at = when(allow_null=True)
    last_pull_at = when(allow_null=True)
    last_pull_error = serializers.CharField(allow_null=True)
    stock_form = serializers.CharField(allow_null=True)
    stock_sku_field = serializers.CharField(allow_blank=True)
    stock_available = serializers.CharField(allow_blank=True)
    stock_listing = values("the channel's id name → value or {{ expression }}")
    push_enabled = serializers.BooleanField()
    push_window_seconds = serializers.IntegerField()
    enabled = serializers.BooleanField()


class PulledSerializer(serializers.Serializer):
    stored = serializers.IntegerField(help_text="orders stored as deliveries")
    cursor = serializers.CharField(allow_blank=True)


class StockPushSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    sku = serializers.CharField()
    quantity = serializers.IntegerField()
    status = serializers.CharField()
    changes = serializers.IntegerField()
    attempts = serializers.IntegerField()
    status_code = serializers.IntegerField(allow_null=True)
    error = serializers.CharField(allow_null=True)
    due_at = when()
    sent_at = when(allow_null=True)


# --- journal export -----------------------------------------------------------------------


class JournalColumnSerializer(serializers.Serializer):
    header = serializers.CharField()
    role = serializers.CharField(required=False)
    fallback = serializers.CharField(required=False)
    default = any_json("the value when the role is empty", required=False)
    value = any_json("a fixed value", required=False)
    format = serializers.CharField(required=False)
    zero = serializers.CharField(required=False)
    join = values("`separator` and `parts` ({role, prefix}) joined into one column", required=False)


class JournalLayoutSerializer(serializers.Serializer):
    """An ERP's voucher import file: its encoding, columns and number format."""

    key = serializers.CharField()
    name = LabelField()
    description = LabelField()
    product = serializers.CharField(allow_blank=True)
    encoding = serializers.CharField()
    charset = serializers.CharField()
    line_terminator = serializers.CharField()
    delimiter = serializers.CharField()
    header = serializers.BooleanField()
    extension = serializers.CharField()
    date_format = serializers.CharField()
    amount_format = values("`decimals`, `thousands_separator` and `zero`")
    columns = JournalColumnSerializer(many=True)


class JournalRoleSerializer(serializers.Serializer):
    role = serializers.CharField()
    kind = serializers.CharField()
    default_field = serializers.CharField(allow_null=True)
    required = serializers.BooleanField()
    computed = serializers.BooleanField()
    label = serializers.CharField()


CSV_ANSWER = {"type": "string", "format": "binary", "description": "the file, in the layout's encoding"}

ENDPOINT_PAGE = page("EndpointList", EndpointSerializer(many=True))
DELIVERY_PAGE = page("DeliveryList", DeliverySerializer(many=True), cursor="next_before")
SUBSCRIPTION_PAGE = page("SubscriptionList", SubscriptionSerializer(many=True))
MESSAGE_PAGE = page("MessageList", MessageSerializer(many=True), cursor="next_before")
ADAPTER_PAGE = page("AdapterList", AdapterSerializer(many=True))
ACCOUNT_PAGE = page("ChannelAccountList", ChannelAccountSerializer(many=True))
STOCK_PUSH_PAGE = page("StockPushList", StockPushSerializer(many=True))
LAYOUT_PAGE = page("JournalLayoutList", JournalLayoutSerializer(many=True),
                   roles=JournalRoleSerializer(many=True, help_text="the roles a field map assigns"))
