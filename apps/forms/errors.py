"""Error codes of forms and records, each with its status and a message a person can act on."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Conflict, NotFound, Unprocessable, ValidationFailed, WeftError


class FormNotFound(NotFound):
    code = "form_not_found"
    default_message = _("No such form in this workspace.")


class RecordNotFound(NotFound):
    code = "record_not_found"
    default_message = _("No such record in this form.")


class FormKeyTaken(Conflict):
    code = "form_key_taken"
    default_message = _("Another form of this workspace already uses this key.")


class StaleVersion(Conflict):
    code = "stale_version"
    default_message = _("The record was changed by someone else; reload it and apply your change again.")


class DuplicateKey(Conflict):
    code = "duplicate_key"
    default_message = _("A record with the same unique key already exists.")


class IncompatibleChange(Conflict):
    code = "incompatible_change"
    default_message = _("The change would make existing records invalid.")


class FormInUse(Conflict):
    code = "form_in_use"
    default_message = _("Other definitions still use this form; change or delete them first.")


class NoUniqueKey(Unprocessable):
    code = "no_unique_key"
    default_message = _("This form declares no unique key, so records cannot be upserted.")


class GuardFailed(Conflict):
    code = "guard_failed"
    default_message = _("The adjustment was refused: the counter would leave its allowed range.")


class BulkFailed(ValidationFailed):
    code = "bulk_failed"


class InvalidCsv(ValidationFailed):
    """The file as a whole cannot be read as a CSV of this form."""

    code = "invalid_csv"


class ImportFailed(ValidationFailed):
    """Some rows are invalid; ``rows`` in the answer names them by line."""

    code = "import_failed"


__all__ = [
    "BulkFailed",
    "DuplicateKey",
    "FormKeyTaken",
    "FormNotFound",
    "GuardFailed",
    "ImportFailed",
    "IncompatibleChange",
    "InvalidCsv",
    "NoUniqueKey",
    "RecordNotFound",
    "StaleVersion",
    "WeftError",
]
