"""Journal entries written for an ERP's voucher import, refused whole rather than imported wrong.

Every check (values the layout cannot write, vouchers whose debits and credits
differ, lines of one voucher scattered through the file) must pass before the
first byte is handed out: an accountant must never import half a journal or an
unbalanced voucher. So the file is written once, record by record from a
server-side cursor, into a spooled temporary file (memory up to
``SPOOL_BYTES``, then disk), and only then streamed.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from itertools import islice
from tempfile import SpooledTemporaryFile
from typing import IO, Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.core.errors import NON_FIELD, ErrorCollector
from apps.forms.fields import field_types
from apps.forms.models import Form, Record, SavedView
from apps.forms.selectors import Condition, filtered_records, workspace_zone
from apps.forms.services.csv_export import escape_cell

from .cells import CellError, format_value, read
from .errors import JournalNotExportable, UnbalancedVouchers
from .field_map import resolve_field_map
from .layouts import Column, Layout, get_layout
from .roles import AMOUNT, ROLES, TEXT

CHUNK_ROWS = 2000
SPOOL_BYTES = 1024 * 1024
READ_BYTES = 64 * 1024
MAX_PROBLEMS = 100
VOUCHER_ORDER = ("number", "date", "word", "line")
KEY_ROLES = ("date", "word", "number", "account_code", "debit", "credit", "line")


class JournalFile:
    """The finished file as an iterator of bytes; closing it (Django does) drops the spool."""

    def __init__(self, layout: Layout, spool: IO[bytes]):
        self.layout = layout
        self._spool = spool

    def __iter__(self) -> Iterator[bytes]:
        return self

    def __next__(self) -> bytes:
        chunk = self._spool.read(READ_BYTES) if not self._spool.closed else b""
        if not chunk:
            self.close()
            raise StopIteration
        return chunk

    def close(self) -> None:
        self._spool.close()


def export_journal(form: Form, layout_key: str, field_map: dict[str, Any] | None, *,
                   filters: list[Condition] | list[dict] | None = None, params: Any = None,
                   view: SavedView | int | str | None = None, ordering: str = "",
                   allow_unbalanced: bool = False) -> JournalFile:
    """The form's journal lines in ``layout_key``'s layout, or an error naming every line or voucher at fault.

    The lines are the listing's (``filters``, query ``params`` and a saved ``view``,
    as ``apps.forms.selectors.filtered_records`` reads them); ``ordering`` is the
    listing's sort key, after which lines stay grouped by voucher (number, date,
    word, line) so each voucher's lines are next to each other.
    """
    layout = get_layout(layout_key)
    mapped = resolve_field_map(form, field_map)
    # Each voucher's lines together, in the order they were written.
    voucher_order = (*(mapped[role]["key"] for role in VOUCHER_ORDER
                       if role in mapped and field_types.get(mapped[role]["type"]).sortable), "id")
    listing = filtered_records(form, filters=filters, params=params, view=view, sort=ordering, then=voucher_order)
    queryset = listing.records.only("id", "data")
    spool = SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  the returned file closes it
    try:
        writer = _JournalWriter(form, layout, mapped, spool)
        writer.write(queryset)
        writer.refuse_if_wrong(allow_unbalanced)
    except BaseException:
        spool.close()
        raise
    spool.seek(0)
    return JournalFile(layout, spool)


@dataclass
class _Voucher:
    label: str
    day: str
    debit: Decimal = Decimal(0)
    credit: Decimal = Decimal(0)


class _JournalWriter:
    def __init__(self, form: Form, layout: Layout, mapped: dict[str, dict], spool: IO[bytes]):
        self.layout = layout
        self.mapped = mapped
        self.spool = spool
        self.zone = workspace_zone(form.workspace)
        shown = layout.roles()
        self.read_roles = [role for role in ROLES if role in mapped and (role in shown or role in KEY_ROLES)]
        self.checked_roles = shown
        self.encoder = codecs.getincrementalencoder(layout.encoding)()
        self.problems = ErrorCollector()
        self.problem_count = 0
        self.vouchers: dict[tuple, _Voucher] = {}
        self.scattered: list[_Voucher] = []
        self.current: tuple | None = None
        self.line_in_voucher = 0
        self.lines = 0

    # --- the pass ---------------------------------------------------------------------

    def write(self, queryset: QuerySet) -> None:
        if self.layout.header:
            self._emit([[column.header for column in self.layout.columns]])
        records = queryset.iterator(chunk_size=CHUNK_ROWS)
        while self.problem_count < MAX_PROBLEMS and (chunk := list(islice(records, CHUNK_ROWS))):
            rows = [row for record in chunk if (row := self._line(record)) is not None]
            if not self.problems:
                self._emit(rows)

    def _emit(self, rows: list[list[str]]) -> None:
        buffer = io.StringIO()
        writer = csv.writer(buffer, delimiter=self.layout.delimiter, lineterminator=self.layout.line_terminator)
        writer.writerows(rows)
        self.spool.write(self.encoder.encode(buffer.getvalue()))

    def _problem(self, path: str, message: str) -> None:
        self.problems.add(path, message)
        self.problem_count += 1

    def _line(self, record: Record) -> list[str] | None:
        values, ok = self._read(record)
        debit, credit = values.get("debit") or Decimal(0), values.get("credit") or Decimal(0)
        for role in ("date", "number", "account_code"):
            if role in values and values[role] is None:
                ok = False
                self._problem(self._path(record, role), _("is empty: every journal line needs its %(role)s")
                              % {"role": ROLES[role].label})
        if ok and (debit != 0) == (credit != 0):
            ok = False
            self._problem(f"records.{record.pk}", _("a journal line needs a debit or a credit, not both and not "
                                                    "neither (debit %(debit)s, credit %(credit)s)")
                          % {"debit": debit, "credit": credit})
        if not ok:
            return None
        values.update(debit=debit, credit=credit, amount=debit or credit)
        position = self._count(values)
        if values.get("line") is None:
            values["line"] = position
        voucher = self.vouchers[self.current]
        voucher.debit += debit
        voucher.credit += credit
        self.lines += 1
        return [escape_cell(self._cell(column, values)) for column in self.layout.columns]

    def _read(self, record: Record) -> tuple[dict[str, Any], bool]:
        values: dict[str, Any] = {}
        ok = True
        for role in self.read_roles:
            field = self.mapped[role]
            kind = ROLES[role].kind
            try:
                value = read(kind, field_types.get(field["type"]), field, record.data.get(field["key"]),
                             decimals=self.layout.decimals, zone=self.zone)
                if kind == TEXT and value and role in self.checked_roles:
                    self._check_encoding(value)
            except CellError as exc:
                ok = False
                self._problem(self._path(record, role), str(exc))
                continue
            values[role] = value
        return values, ok

    def _check_encoding(self, text: str) -> None:
        try:
            text.encode(self.layout.encoding)
        except UnicodeEncodeError as exc:
            char = exc.object[exc.start:exc.end]
            raise CellError(_("'%(char)s' (U+%(code)04X) cannot be written in %(encoding)s, the encoding of the "
                              "%(layout)s layout: replace it, or export in a UTF-8 layout")
                            % {"char": char, "code": ord(char[0]), "encoding": self.layout.charset,
                               "layout": self.layout.key}) from None

    def _path(self, record: Record, role: str) -> str:
        return f"records.{record.pk}.{self.mapped[role]['key']}"

    def _count(self, values: dict[str, Any]) -> int:
        """Track which voucher this line belongs to; the line's position in it."""
        key = (values.get("date"), values.get("word") or "", str(values.get("number")))
        if key != self.current:
            if key in self.vouchers:
                self.scattered.append(self.vouchers[key])
            else:
                word, number = key[1], key[2]
                self.vouchers[key] = _Voucher(f"{word}-{number}" if word else number, key[0].isoformat())
            self.current = key
            self.line_in_voucher = 0
        self.line_in_voucher += 1
        return self.line_in_voucher

    def _cell(self, column: Column, values: dict[str, Any]) -> str:
        if column.value is not None:
            return column.value
        if column.parts:
            texts = [prefix + self._text(role, values, column) for role, prefix in column.parts
                     if values.get(role) not in (None, "")]
            return column.separator.join(texts) or (column.default or "")
        role = column.role if values.get(column.role) not in (None, "") else column.fallback
        if role is None or values.get(role) in (None, ""):
            return column.default or ""
        return self._text(role, values, column)

    def _text(self, role: str, values: dict[str, Any], column: Column) -> str:
        layout = self.layout
        zero = column.zero if column.zero is not None else layout.zero
        return format_value(ROLES[role].kind, values[role], date_format=column.date_format or layout.date_format,
                            decimals=layout.decimals, thousands_separator=layout.thousands_separator,
                            zero=zero if ROLES[role].kind == AMOUNT else None)

    # --- the verdict ------------------------------------------------------------------

    def refuse_if_wrong(self, allow_unbalanced: bool) -> None:
        if self.problems:
            raise JournalNotExportable(errors=self._with_summary(self.problems.errors))
        if self.scattered:
            names = ", ".join(sorted({v.label for v in self.scattered}))
            raise JournalNotExportable(errors={"sort": [
                _("the lines of voucher(s) %(vouchers)s are not next to each other in this order; sort by voucher "
                  "number (the default) so each voucher's lines stay together") % {"vouchers": names}]})
        unbalanced = [v for v in self.vouchers.values() if v.debit != v.credit]
        if unbalanced and not allow_unbalanced:
            exact = Decimal(1).scaleb(-self.layout.decimals)
            for voucher in unbalanced:
                voucher.debit, voucher.credit = voucher.debit.quantize(exact), voucher.credit.quantize(exact)
            names = ", ".join(f"{v.label} ({v.day})" for v in unbalanced)
            summary = ngettext("Voucher %(vouchers)s does not balance; nothing was exported.",
                               "Vouchers %(vouchers)s do not balance; nothing was exported.",
                               len(unbalanced)) % {"vouchers": names}
            raise UnbalancedVouchers(
                summary,
                errors={NON_FIELD: [summary], "vouchers": [
                    _("voucher %(voucher)s dated %(day)s: debits %(debit)s, credits %(credit)s")
                    % {"voucher": v.label, "day": v.day, "debit": v.debit, "credit": v.credit}
                    for v in unbalanced]},
                extra={"vouchers": [{"voucher": v.label, "date": v.day, "debit": str(v.debit),
                                     "credit": str(v.credit), "difference": str(v.debit - v.credit)}
                                    for v in unbalanced]})

    def _with_summary(self, errors: dict[str, list[Any]]) -> dict[str, list[Any]]:
        summary = ngettext("%(n)d problem in the journal lines; nothing was exported.",
                           "%(n)d problems in the journal lines; nothing was exported.",
                           self.problem_count) % {"n": self.problem_count}
        if self.problem_count >= MAX_PROBLEMS:
            summary += " " + _("Checking stopped after %(n)d problems.") % {"n": self.problem_count}
        return {NON_FIELD: [summary], **errors}
