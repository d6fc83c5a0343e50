"""The parts of a voucher line a layout column can show, and the field key each one has by default.

A form of journal entries is free to name its fields; the field map says which
field plays which role, and a role whose canonical key is a field of the form
needs no mapping at all.
"""

from __future__ import annotations

from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

DATE, TEXT, AMOUNT, NUMBER, WHOLE = "date", "text", "amount", "number", "whole"


@dataclass(frozen=True)
class Role:
    name: str
    kind: str
    field_key: str
    label: object
    required: bool = False
    computed: bool = False


ROLES: dict[str, Role] = {role.name: role for role in (
    Role("date", DATE, "voucher_date", _("Voucher date"), required=True),
    Role("word", TEXT, "voucher_word", _("Voucher word (记, 收, 付, 转)")),
    Role("number", TEXT, "voucher_no", _("Voucher number"), required=True),
    Role("line", WHOLE, "line_no", _("Line number in the voucher (counted in export order when not mapped)")),
    Role("summary", TEXT, "summary", _("Summary")),
    Role("account_code", TEXT, "account_code", _("Account code"), required=True),
    Role("account_name", TEXT, "account_name", _("Account name")),
    Role("debit", AMOUNT, "debit", _("Debit amount"), required=True),
    Role("credit", AMOUNT, "credit", _("Credit amount"), required=True),
    Role("amount", AMOUNT, "", _("The line's debit or credit, whichever is set"), computed=True),
    Role("currency", TEXT, "currency", _("Currency code")),
    Role("currency_name", TEXT, "currency_name", _("Currency name")),
    Role("exchange_rate", NUMBER, "exchange_rate", _("Exchange rate")),
    Role("original_amount", AMOUNT, "original_amount", _("Amount in the original currency")),
    Role("quantity", NUMBER, "quantity", _("Quantity")),
    Role("unit_price", NUMBER, "unit_price", _("Unit price")),
    Role("customer", TEXT, "customer_code", _("Customer code")),
    Role("supplier", TEXT, "supplier_code", _("Supplier code")),
    Role("department", TEXT, "department_code", _("Department code")),
    Role("employee", TEXT, "employee_code", _("Employee code")),
    Role("project", TEXT, "project_code", _("Project code")),
    Role("preparer", TEXT, "preparer", _("Preparer (制单人)")),
    Role("attachments", WHOLE, "attachments", _("Number of attachments")),
)}

MAPPABLE = tuple(name for name, role in ROLES.items() if not role.computed)

# Field types whose stored values a role of each kind can read.
UNREADABLE_TYPES = frozenset({"subtable", "attachment", "counter"})
AMOUNT_TYPES = frozenset({"decimal", "integer", "formula"})
DATE_TYPES = frozenset({"date", "datetime", "text", "formula"})
