"""CSV export: records as a spreadsheet, streamed chunk by chunk so any number of rows fits in memory.

The columns are the ones an import reads back (``id`` and the timestamps are
ignored there), so an export edited in Excel can be imported again.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal, InvalidOperation
from itertools import islice
from typing import Any

from django.db.models import QuerySet

from ..fields.base import FieldType, field_types
from ..models import Form, Record
from ..selectors import counters_of
from ..validation import active_fields
from .csv_import import FORMULA_STARTS
from .forms import label_text

CHUNK_ROWS = 2000
HEADERS = ("key", "label")


def column_title(field: dict, header: str, lang: str) -> str:
    if header == "label":
        return label_text(field.get("label"), lang) or field["key"]
    return field["key"]


def _is_number(text: str) -> bool:
    try:
        return Decimal(text).is_finite()
    except InvalidOperation:
        return False


def escape_cell(text: str) -> str:
    """An apostrophe before formula-like text, so a submitted '=HYPERLINK(...)' is not run by Excel.

    Numbers such as -5 are left alone; the import strips the apostrophe again.
    """
    if text and text[0] in FORMULA_STARTS and not _is_number(text):
        return "'" + text
    return text


def _timestamp(moment: datetime | None) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ") if moment else ""


def _cell(ftype: FieldType, field: dict, value: Any) -> str:
    """A stored value the type no longer understands is written as it is: by the time a row
    is formatted the answer has started, and failing would cut the file short unnoticed."""
    if value is None:
        return ""
    try:
        text = ftype.to_csv(value, field)
    except (TypeError, ValueError, ArithmeticError, LookupError, AttributeError):
        text = str(value)
    return escape_cell(text)


def _row(record: Record, columns: list[tuple[dict, FieldType]], counters: dict[str, int]) -> list[Any]:
    cells: list[Any] = [record.pk]
    for field, ftype in columns:
        key = field["key"]
        value = record.data.get(key) if ftype.stored_in_data else counters.get(key, 0)
        cells.append(_cell(ftype, field, value))
    cells += [_timestamp(record.created_at), _timestamp(record.updated_at)]
    return cells


def export_rows(form: Form, queryset: QuerySet, *, header: str = "key", lang: str = "en",
                chunk_size: int | None = None) -> Iterator[str]:
    """CSV text of ``queryset``: the header line, then one piece per chunk of records.

    Records come from a server-side cursor and counters are fetched per chunk,
    so memory holds one chunk at a time however many rows there are.
    """
    chunk_size = chunk_size or CHUNK_ROWS
    columns = [(f, field_types.get(f["type"])) for f in active_fields(form.definition["fields"])]
    has_counters = any(not ftype.stored_in_data for _f, ftype in columns)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(["id", *(column_title(f, header, lang) for f, _t in columns), "created_at", "updated_at"])
    yield buffer.getvalue()
    records = queryset.iterator(chunk_size=chunk_size)
    while chunk := list(islice(records, chunk_size)):
        counters = counters_of(chunk) if has_counters else {}
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        for record in chunk:
            writer.writerow(_row(record, columns, counters.get(record.pk, {})))
        yield buffer.getvalue()
