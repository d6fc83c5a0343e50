"""Errors of the connectors app, each with a stable code."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, NotFound


class EndpointNotFound(NotFound):
    code = "endpoint_not_found"
    default_message = _("No such endpoint in this workspace.")


class DeliveryNotFound(NotFound):
    code = "delivery_not_found"
    default_message = _("No such delivery in this workspace.")


class KeyTaken(Conflict):
    code = "key_taken"
    default_message = _("This key is already used in this workspace.")


class PullNotPossible(Conflict):
    """The account is not set up to pull (its adapter has no pull API, or it has no endpoint): nothing was asked."""

    code = "pull_not_possible"
    default_message = _("This channel account cannot pull orders as it is set up.")


class EndpointOfFlow(Conflict):
    """The endpoint of a flow's webhook trigger follows the flow's definition; it is changed through the flow."""

    code = "endpoint_of_flow"
    default_message = _("This endpoint receives a flow's webhooks and follows its trigger: change the flow instead.")
