"""The vault's error codes."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, NotFound, WeftError


class SecretNotFound(NotFound):
    code = "secret_not_found"
    default_message = _("There is no secret of that name in this workspace.")


class SecretNameTaken(Conflict):
    code = "secret_name_taken"
    default_message = _("A secret of that name already exists; rotate it to change its value.")


class SecretUnreadable(WeftError):
    code = "secret_unreadable"
    status = 500
    default_message = _("A stored secret cannot be decrypted: WEFT_SECRETS_KEY no longer holds the key "
                        "it was written with. Add the old key after the new one, or enter the secret again.")
