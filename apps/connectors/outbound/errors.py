"""The errors of outbound subscriptions, with a status and a message a person can act on."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, NotFound


class SubscriptionNotFound(NotFound):
    code = "subscription_not_found"
    default_message = _("No such webhook subscription in this workspace.")


class MessageNotFound(NotFound):
    code = "message_not_found"
    default_message = _("No such webhook message in this workspace.")


class SubscriptionKeyTaken(Conflict):
    code = "subscription_key_taken"
    default_message = _("Another webhook subscription of this workspace already uses this key.")


class MessageBusy(Conflict):
    code = "message_busy"
    default_message = _("This message is being sent right now; look at its attempts in a moment.")
