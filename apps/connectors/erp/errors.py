"""Error codes of journal exports, each with its status and a message a person can act on."""

from django.utils.translation import gettext_lazy as _

from apps.core.errors import Unprocessable, ValidationFailed


class InvalidLayout(ValidationFailed):
    """A layout document in ``platform/exports/journal`` breaks its schema."""

    code = "invalid_journal_layout"


class UnbalancedVouchers(Unprocessable):
    code = "unbalanced_vouchers"
    default_message = _("Some vouchers do not balance: their debits and credits differ. Nothing was exported.")


class JournalNotExportable(Unprocessable):
    """Records whose values the layout cannot write; ``errors`` names each record and field."""

    code = "journal_not_exportable"
    default_message = _("Some journal entries cannot be written in this layout. Nothing was exported.")
