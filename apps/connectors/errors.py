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
