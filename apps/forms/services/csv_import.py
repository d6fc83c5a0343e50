"""CSV import: a spreadsheet of any size becomes records, all of them or none.

The file is read as a stream and written in chunks through ``bulk_write``, so
memory stays flat whatever its size; the chunks share one transaction, so a bad
row anywhere leaves nothing behind. After the first bad row the import goes on
validating (up to ``MAX_ERROR_ROWS`` rows with errors) so that one attempt
reports every problem by its line in the file.

Two rows with the same unique key are refused in both modes, wherever they sit
in the file: which of them should win is a guess we do not make. Blank cells
leave a new record's field to its default and clear an existing record's field
on upsert; fields without a column are left as they are.
"""

from __future__ import annotations

import codecs
import csv
import hashlib
import io
import re
from dataclasses import dataclass, field
from itertools import chain
from typing import IO, Any

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from apps.accounts.models import Member
from apps.core.errors import NON_FIELD, ErrorCollector

from ..errors import BulkFailed, ImportFailed, InvalidCsv, NoUniqueKey
from ..fields.base import FieldType, FieldValueError, WriteContext, field_types
from ..models import Counter, Form, Record
from ..validation import META_KEYS, active_fields
from .records import bulk_write, key_from_input

MODES = ("create", "upsert")
DELIMITERS = {",": ",", ";": ";", "\t": "\t", "tab": "\t", "comma": ",", "semicolon": ";"}
CHUNK_ROWS = 1000
MAX_ERROR_ROWS = 1000
MAX_LINE_CHARS = 1_000_000
SNIFF_BYTES = 1024 * 1024
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
_UNDECODED = re.compile("[\udc80-\udcff]")


@dataclass
class ImportResult:
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    rows: int = 0
    dry_run: bool = False
    columns: dict[str, str] = field(default_factory=dict)
    ignored_columns: list[str] = field(default_factory=list)


# --- bytes to text ---------------------------------------------------------------------


class _Prefixed(io.RawIOBase):
    """The sniffed head of a stream followed by the rest, for streams that cannot seek back."""

    def __init__(self, head: bytes, rest: IO[bytes]):
        self._head = memoryview(head)
        self._rest = rest

    def readable(self) -> bool:
        return True

    def readinto(self, buffer) -> int:
        if self._head:
            n = min(len(buffer), len(self._head))
            buffer[:n] = self._head[:n]
            self._head = self._head[n:]
            return n
        data = self._rest.read(len(buffer))
        buffer[: len(data)] = data
        return len(data)


def detect_encoding(head: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else GB18030: what Excel writes in China."""
    if head.startswith(codecs.BOM_UTF8):
        return "utf-8-sig"
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    if head.startswith((b"PK\x03\x04", b"\xd0\xcf\x11\xe0")):
        raise InvalidCsv({"file": [_("is an Excel workbook, not a CSV file; in Excel use "
                                     "File > Save As > CSV UTF-8 and import that file")]})
    if b"\x00" in head:
        raise InvalidCsv({"file": [_("is not a text file; export the sheet as CSV")]})
    for encoding in ("utf-8", "gb18030"):
        try:
            codecs.getincrementaldecoder(encoding)().decode(head, final=False)
        except UnicodeDecodeError:
            continue
        return encoding
    raise InvalidCsv({"file": [_("is neither UTF-8 nor GB18030 (GBK) text; save it as CSV UTF-8")]})


def open_csv(binary: IO[bytes]) -> io.TextIOWrapper:
    """A text stream over an uploaded file or request body, decoded as it is read."""
    head = binary.read(SNIFF_BYTES)
    encoding = detect_encoding(head)
    buffered = io.BufferedReader(_Prefixed(head, binary), buffer_size=64 * 1024)
    return io.TextIOWrapper(buffered, encoding=encoding, errors="surrogateescape", newline="")


def sniff_delimiter(first_line: str) -> str:
    counts = {d: first_line.count(d) for d in (",", ";", "\t")}
    best = max(counts, key=lambda d: counts[d])
    return best if counts[best] > counts[","] else ","


def unescape_cell(text: str) -> str:
    """Undo the apostrophe that exports put before formula-like text (Excel hides it too)."""
    if len(text) > 1 and text[0] == "'" and text[1] in FORMULA_STARTS:
        return text[1:]
    return text


class _Lines:
    """Physical lines of the text, each bounded, so no line can take all the memory.

    Undecodable bytes arrive as lone surrogates (``surrogateescape``), so the line
    that holds them can be named; a decoding error would name the decoder's chunk.
    """

    def __init__(self, text: IO[str]):
        self._text = text
        self._encoding = str(getattr(text, "encoding", None) or "utf-8").upper().removesuffix("-SIG")
        self.count = 0

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        line = self._text.readline(MAX_LINE_CHARS + 1)
        if not line:
            raise StopIteration
        self.count += 1
        if _UNDECODED.search(line):
            raise InvalidCsv({"file": [_("line %(line)d cannot be read as %(encoding)s, though the file starts "
                                         "as such; save it as CSV UTF-8")
                                       % {"line": self.count, "encoding": self._encoding}]})
        if len(line) > MAX_LINE_CHARS:
            raise InvalidCsv({"file": [_("line %(line)d is longer than %(n)d characters")
                                       % {"line": self.count, "n": MAX_LINE_CHARS}]})
        return line


# --- columns ---------------------------------------------------------------------------


@dataclass
class Column:
    index: int
    field: dict
    ftype: FieldType


@dataclass
class Plan:
    columns: list[Column]
    names: list[str]
    ignored: list[str]


_AMBIGUOUS: dict = {"key": "<ambiguous>"}


def _label_names(field: dict) -> list[str]:
    label = field.get("label")
    if isinstance(label, dict):
        return [v for v in label.values() if v]
    return [label] if label else []


def _name_lookup(fields: list[dict]) -> dict[str, dict]:
    """Header text (case-folded) → field: keys first, then English and Chinese labels."""
    lookup: dict[str, dict] = {}
    by_label: dict[str, dict] = {}
    for f in fields:
        lookup[f["key"].casefold()] = f
    for f in fields:
        for name in _label_names(f):
            folded = name.strip().casefold()
            if folded in lookup:
                continue
            by_label[folded] = f if by_label.get(folded, f) is f else _AMBIGUOUS
    return {**by_label, **lookup}


def _find_column(names: list[str], wanted: str) -> int | None:
    for matches in (lambda n: n == wanted.strip(), lambda n: n.casefold() == wanted.strip().casefold()):
        for index, name in enumerate(names):
            if matches(name):
                return index
    return None


def _mapped(form: Form, names: list[str], mapping: dict[str, Any], errors: ErrorCollector) -> dict[int, Any]:
    by_key = {f["key"]: f for f in active_fields(form.definition["fields"])}
    chosen: dict[int, Any] = {}
    for source, target in mapping.items():
        index = _find_column(names, str(source))
        if index is None:
            errors.add("mapping", _("'%(column)s' is not a column of the file") % {"column": source})
        elif target in (None, ""):
            chosen[index] = None
        elif target not in by_key:
            errors.add("mapping", _("'%(key)s' is not a field of this form") % {"key": target})
        elif field_types.get(by_key[target]["type"]).computed:
            errors.add("mapping", _("'%(key)s' is calculated by Weft and cannot be imported") % {"key": target})
        else:
            chosen[index] = by_key[target]
    return chosen


def plan_columns(form: Form, header: list[str], mapping: dict[str, Any] | None, *, upsert: bool) -> Plan:
    """Which column fills which field; every problem with the header is reported at once."""
    names = [cell.strip() or f"#{i + 1}" for i, cell in enumerate(header)]
    fields = active_fields(form.definition["fields"])
    errors = ErrorCollector()
    chosen = _mapped(form, names, mapping or {}, errors)
    lookup = _name_lookup(fields)
    for index, name in enumerate(names):
        if index in chosen or name.casefold() in META_KEYS:
            continue
        found = lookup.get(name.casefold())
        if found is _AMBIGUOUS:
            errors.add("mapping", _("column '%(column)s' matches the labels of several fields; map it "
                                    "explicitly") % {"column": name})
        elif found is not None and not field_types.get(found["type"]).computed:
            chosen[index] = found
    columns, used = [], {}
    for index in sorted(i for i, f in chosen.items() if f is not None):
        target = chosen[index]
        if target["key"] in used:
            errors.add("mapping", _("columns '%(a)s' and '%(b)s' both fill field '%(key)s'")
                       % {"a": names[used[target["key"]]], "b": names[index], "key": target["key"]})
        used[target["key"]] = index
        columns.append(Column(index, target, field_types.get(target["type"])))
    _check_coverage(form, fields, set(used), errors, upsert=upsert, any_column=bool(columns))
    if errors:
        raise InvalidCsv(errors.errors)
    ignored = [names[i] for i in range(len(names)) if chosen.get(i) is None]
    return Plan(columns=columns, names=names, ignored=ignored)


def _check_coverage(form: Form, fields: list[dict], used: set[str], errors: ErrorCollector, *, upsert: bool,
                    any_column: bool) -> None:
    if not any_column:
        errors.add("file", _("no column matches a field of this form: the first line must name the "
                             "fields, by key or label"))
        return
    if upsert:
        for key in form.definition.get("unique_key") or []:
            if key not in used:
                errors.add("columns", _("the unique key field '%(key)s' has no column") % {"key": key})
        return
    for f in fields:
        ftype = field_types.get(f["type"])
        if f.get("required") and "default" not in f and not ftype.computed and f["key"] not in used:
            errors.add("columns", _("the required field '%(key)s' has no column") % {"key": f["key"]})


# --- rows ------------------------------------------------------------------------------


@dataclass
class _Row:
    line: int
    data: dict
    errors: dict[str, list[str]]


def _digest(key: str) -> int:
    return int.from_bytes(hashlib.blake2b(key.encode(), digest_size=8).digest(), "big", signed=True)


class SeenKeys:
    """The unique keys met so far in this import, with their lines, in a temporary table.

    Held in Python they would cost about 120 bytes a row (some 350 MB for the largest
    upload); in the database they cost nothing here, and the table goes away with the
    transaction. Use inside that transaction.
    """

    TABLE = "weft_csv_import_keys"
    BATCH = 500

    def __enter__(self) -> SeenKeys:
        with connection.cursor() as cursor:
            cursor.execute(f"CREATE TEMPORARY TABLE IF NOT EXISTS {self.TABLE} "
                           "(digest BIGINT PRIMARY KEY, line INTEGER NOT NULL)")
            cursor.execute(f"DELETE FROM {self.TABLE}")
        return self

    def __exit__(self, kind, value, traceback) -> None:
        if kind is None and not transaction.get_rollback():
            with connection.cursor() as cursor:
                cursor.execute(f"DROP TABLE {self.TABLE}")

    def claim(self, firsts: dict[int, int]) -> dict[int, int]:
        """Remember ``{digest: line}``; answer the earlier line of each digest met before."""
        items = list(firsts.items())
        earlier: dict[int, int] = {}
        with connection.cursor() as cursor:
            for start in range(0, len(items), self.BATCH):
                part = [digest for digest, _line in items[start:start + self.BATCH]]
                cursor.execute(f"SELECT digest, line FROM {self.TABLE} WHERE digest IN "
                               f"({', '.join(['%s'] * len(part))})", part)
                earlier.update(cursor.fetchall())
            cursor.executemany(f"INSERT INTO {self.TABLE} (digest, line) VALUES (%s, %s)",
                               [item for item in items if item[0] not in earlier])
        return earlier


class _Importer:
    """The state of one import: rows waiting for their chunk, keys seen so far, errors by line."""

    def __init__(self, form: Form, plan: Plan, member: Member | None, seen: SeenKeys, *, upsert: bool):
        self.form, self.plan, self.member, self.seen, self.upsert = form, plan, member, seen, upsert
        self.keyed = bool(form.definition.get("unique_key"))
        self.counter_columns = [c for c in plan.columns if not c.ftype.stored_in_data]
        self.types = {c.field["key"]: c.ftype for c in plan.columns}
        self.pending: list[_Row] = []
        self.failures: dict[int, dict[str, list[str]]] = {}
        self.result = ImportResult(columns={plan.names[c.index]: c.field["key"] for c in plan.columns},
                                   ignored_columns=plan.ignored)

    @property
    def full(self) -> bool:
        return len(self.failures) >= MAX_ERROR_ROWS

    def fail(self, line: int, errors: dict[str, list[str]]) -> None:
        if not errors:
            return
        entry = self.failures.setdefault(line, {})
        for key, messages in errors.items():
            entry.setdefault(key, []).extend(str(m) for m in messages)

    def add(self, line: int, cells: list[str]) -> None:
        self.result.rows += 1
        if len(cells) != len(self.plan.names):
            self.fail(line, {NON_FIELD: [_("has %(n)d values but the header has %(m)d columns")
                                         % {"n": len(cells), "m": len(self.plan.names)}]})
            return
        data: dict[str, Any] = {}
        errors: dict[str, list[str]] = {}
        for column in self.plan.columns:
            key = column.field["key"]
            try:
                data[key] = column.ftype.from_csv(unescape_cell(cells[column.index]), column.field)
            except FieldValueError as exc:
                errors[key] = [str(m) for messages in exc.errors.values() for m in messages]
        self.pending.append(_Row(line, data, errors))
        if len(self.pending) >= CHUNK_ROWS:
            self.flush()

    def flush(self) -> None:
        rows, self.pending = self.pending, []
        if not rows:
            return
        ctx = WriteContext(workspace=self.form.workspace, form=self.form, member=self.member,
                           now=timezone.now(), creating=True)
        keys = [key_from_input(self.form, row.data, ctx) if self.keyed else None for row in rows]
        batch = self._without_repeats(rows, keys)
        existing = self._existing([k for _row, k in batch if k is not None])
        current = self._counters([existing[k][0] for _row, k in batch if k in existing])
        for row, key in batch:
            target = existing.get(key) if self.upsert else None
            if target is None:
                row.data = {k: v for k, v in row.data.items() if not self.types[k].is_empty(v)}
            else:
                self._drop_unchanged_counters(row, current.get(target[0], {}), ctx)
        self._write([row for row, _key in batch], [existing.get(k) for _row, k in batch])

    def _without_repeats(self, rows: list[_Row], keys: list[str | None]) -> list[tuple[_Row, str | None]]:
        firsts: dict[int, int] = {}
        repeats: list[tuple[_Row, int]] = []
        for row, key in zip(rows, keys, strict=True):
            if key is None:
                continue
            digest = _digest(key)
            if digest in firsts:
                repeats.append((row, firsts[digest]))
            else:
                firsts[digest] = row.line
        earlier = self.seen.claim(firsts)
        for row, key in zip(rows, keys, strict=True):
            if key is not None and _digest(key) in earlier:
                repeats.append((row, earlier[_digest(key)]))
        for row, line in repeats:
            self.fail(row.line, {NON_FIELD: [_("has the same unique key as line %(line)d") % {"line": line}]})
        skipped = {id(row) for row, _line in repeats}
        return [(row, key) for row, key in zip(rows, keys, strict=True) if id(row) not in skipped]

    def _existing(self, keys: list[str]) -> dict[str, tuple[int, int]]:
        if not (self.upsert and keys):
            return {}
        found = Record.objects.filter(form=self.form, unique_key__in=keys).values_list("unique_key", "id", "version")
        return {k: (pk, version) for k, pk, version in found}

    def _counters(self, record_ids: list[int]) -> dict[int, dict[str, int]]:
        if not (self.counter_columns and record_ids):
            return {}
        out: dict[int, dict[str, int]] = {}
        for record_id, key, value in Counter.objects.filter(record_id__in=record_ids).values_list(
                "record_id", "field", "value"):
            out.setdefault(record_id, {})[key] = value
        return out

    def _drop_unchanged_counters(self, row: _Row, current: dict[str, int], ctx: WriteContext) -> None:
        """Counters change only by adjustments; the value an export wrote may come back unchanged."""
        for column in self.counter_columns:
            key = column.field["key"]
            value = row.data.get(key)
            if column.ftype.is_empty(value):
                row.data.pop(key, None)
                continue
            try:
                same = column.ftype.normalize(value, column.field, ctx) == current.get(key, 0)
            except FieldValueError:
                same = False
            if same:
                row.data.pop(key)

    def _write(self, rows: list[_Row], before: list[tuple[int, int] | None]) -> None:
        """One chunk; on failure the rows without errors are tried again so later checks still see them."""
        for attempt in range(2):
            if not rows:
                return
            try:
                result = bulk_write(self.form, [r.data for r in rows], member=self.member, upsert=self.upsert)
            except BulkFailed as exc:
                bad = self._bulk_failures(rows, exc)
                keep = [i for i in range(len(rows)) if i not in bad]
                if attempt or not keep:
                    break
                rows, before = [rows[i] for i in keep], [before[i] for i in keep]
                continue
            self._count(result.records, result.created, before)
            break
        for row in rows:
            if row.errors:
                self.fail(row.line, row.errors)

    def _bulk_failures(self, rows: list[_Row], exc: BulkFailed) -> set[int]:
        bad = set()
        for entry in exc.extra.get("rows", []):
            row = rows[entry["row"]]
            bad.add(entry["row"])
            self.fail(row.line, {k: v for k, v in entry["errors"].items() if k not in row.errors})
            self.fail(row.line, row.errors)
            row.errors = {}
        return bad

    def _count(self, records: list[Record], created: list[bool], before: list[tuple[int, int] | None]) -> None:
        for record, is_new, prior in zip(records, created, before, strict=True):
            if is_new:
                self.result.created += 1
            elif prior is not None and prior[1] == record.version:
                self.result.unchanged += 1
            else:
                self.result.updated += 1


# --- the use case ------------------------------------------------------------------------


def check_options(mode: str, mapping: Any, delimiter: str | None, errors: ErrorCollector) -> None:
    """Shared with the view, so a request with several bad options hears of all of them."""
    if mode not in MODES:
        errors.add("mode", _("must be 'create' or 'upsert'"))
    if mapping is not None and (not isinstance(mapping, dict) or not all(
            isinstance(v, str | None) for v in mapping.values())):
        errors.add("mapping", _('must be a JSON object such as {"CSV column": "field_key"}'))
    if delimiter is not None and delimiter not in DELIMITERS:
        errors.add("delimiter", _("must be a comma, a semicolon or 'tab'"))


def _records(reader, lines: _Lines):
    """(first line, cells) of each non-blank record; a CSV record may span several lines."""
    previous = 0
    while True:
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            raise InvalidCsv({"file": [_("line %(line)d is not valid CSV (%(problem)s)")
                                       % {"line": previous + 1, "problem": exc}]}) from None
        start, previous = previous + 1, lines.count
        if any(cell.strip() for cell in cells):
            yield start, cells


def import_csv(form: Form, text: IO[str], *, member: Member | None, mode: str = "create",
               mapping: dict[str, Any] | None = None, dry_run: bool = False,
               delimiter: str | None = None) -> ImportResult:
    """Import CSV text into ``form``: every row or, if any row is invalid, none.

    A dry run does all the work, serial numbers included, inside a transaction
    that is then rolled back, so it reports exactly what a real import would.
    """
    errors = ErrorCollector()
    check_options(mode, mapping, delimiter, errors)
    errors.raise_if_any()
    upsert = mode == "upsert"
    if upsert and not form.definition.get("unique_key"):
        raise NoUniqueKey()
    lines = _Lines(text)
    first = next(lines, "")
    delimiter = DELIMITERS[delimiter] if delimiter else sniff_delimiter(first)
    reader = csv.reader(chain([first], lines), delimiter=delimiter, strict=True)
    records = _records(reader, lines)
    header = next(records, None)
    if header is None:
        raise InvalidCsv({"file": [_("is empty: the first line must name the columns")]})
    header[1][0] = header[1][0].lstrip("\ufeff")
    plan = plan_columns(form, header[1], mapping, upsert=upsert)
    truncated = False
    with transaction.atomic(), SeenKeys() as seen:
        importer = _Importer(form, plan, member, seen, upsert=upsert)
        for line, cells in records:
            if importer.full:
                truncated = True
                break
            importer.add(line, cells)
        importer.flush()
        if importer.failures:
            raise _failed(importer, dry_run, truncated)
        if dry_run:
            transaction.set_rollback(True)
    importer.result.dry_run = dry_run
    return importer.result


def _failed(importer: _Importer, dry_run: bool, truncated: bool) -> ImportFailed:
    count = len(importer.failures)
    summary = ngettext("%(n)d row has errors; nothing was imported.",
                       "%(n)d rows have errors; nothing was imported.", count) % {"n": count}
    if truncated:
        summary += " " + _("Checking stopped after %(n)d rows with errors.") % {"n": count}
    return ImportFailed({NON_FIELD: [summary]}, extra={
        "rows": [{"line": line, "errors": importer.failures[line]} for line in sorted(importer.failures)],
        "imported": 0,
        "dry_run": dry_run,
        "truncated": truncated,
        "ignored_columns": importer.plan.ignored,
    })
