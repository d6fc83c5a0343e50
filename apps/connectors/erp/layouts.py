"""Journal export layouts: JSON documents in ``platform/exports/journal``, checked before use.

A new ERP is a new document, not new code. Each is checked against
``journal-export.schema.json`` and then for what a schema cannot say: options
that only fit some roles, and text the file's encoding cannot hold.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator

from apps.core.errors import ErrorCollector, ValidationFailed
from apps.forms.selectors import json_path, schema_message

from .errors import InvalidLayout
from .roles import AMOUNT, DATE, ROLES
from .schema import LINE_TERMINATORS, journal_export_schema

CHARSETS = {"gbk": "GBK", "gb18030": "GB18030", "utf-8": "utf-8", "utf-8-sig": "utf-8"}
_cache: dict[Path, tuple[int, Layout]] = {}


@dataclass(frozen=True)
class Column:
    header: str
    role: str | None = None
    fallback: str | None = None
    default: str | None = None
    value: str | None = None
    parts: tuple[tuple[str, str], ...] = ()
    separator: str = ""
    date_format: str | None = None
    zero: str | None = None

    def roles(self) -> list[str]:
        names = [self.role, self.fallback, *(role for role, _prefix in self.parts)]
        return [name for name in names if name]


@dataclass(frozen=True)
class Layout:
    key: str
    name: Any
    description: Any
    product: str
    encoding: str
    line_terminator: str
    delimiter: str
    header: bool
    extension: str
    date_format: str
    decimals: int
    thousands_separator: str
    zero: str | None
    columns: tuple[Column, ...]

    @property
    def charset(self) -> str:
        return CHARSETS[self.encoding]

    def roles(self) -> set[str]:
        return {name for column in self.columns for name in column.roles()}


def layout_folder() -> Path:
    return Path(settings.BASE_DIR) / "platform" / "exports" / "journal"


def layout_keys() -> list[str]:
    return sorted(path.stem for path in layout_folder().glob("*.json"))


def get_layout(key: str) -> Layout:
    """The layout named ``key``; anything else, however it is spelled, names the ones there are."""
    keys = layout_keys()
    if key not in keys:
        raise ValidationFailed({"layout": [_("unknown layout '%(key)s'; use one of: %(keys)s")
                                           % {"key": key, "keys": ", ".join(keys)}]})
    return load_layout(layout_folder() / f"{key}.json")


def all_layouts() -> list[Layout]:
    return [load_layout(layout_folder() / f"{key}.json") for key in layout_keys()]


def load_layout(path: Path) -> Layout:
    """The checked layout in ``path``, reread only when the file changes."""
    stamp = path.stat().st_mtime_ns
    cached = _cache.get(path)
    if cached and cached[0] == stamp:
        return cached[1]
    try:
        document = json.loads(path.read_text(encoding="utf-8"))
    except ValueError as exc:
        raise InvalidLayout({path.name: [_("is not JSON: %(error)s") % {"error": exc}]}) from None
    layout = parse_layout(document, expected_key=path.stem, where=path.name)
    _cache[path] = (stamp, layout)
    return layout


_validator: Draft202012Validator | None = None


def _schema_errors(document: Any, where: str, errors: ErrorCollector) -> None:
    global _validator
    if _validator is None:
        _validator = Draft202012Validator(journal_export_schema())
    for error in _validator.iter_errors(document):
        path = json_path(error.absolute_path)
        if error.validator == "oneOf" and "header" in error.schema.get("properties", {}):
            message = _("needs exactly one of 'role', 'value' or 'join'")
        else:
            message = schema_message(error)
        errors.add(f"{where}: {path}" if path else where, message)


def parse_layout(document: Any, *, expected_key: str | None = None, where: str = "layout") -> Layout:
    errors = ErrorCollector()
    _schema_errors(document, where, errors)
    if errors:
        raise InvalidLayout(errors.errors)
    if expected_key is not None and document["key"] != expected_key:
        errors.add(f"{where}: key", _("must be '%(key)s', the file's name") % {"key": expected_key})
    amount_format = document.get("amount_format", {})
    columns = tuple(_column(spec, f"{where}: columns[{index}]", errors) for index, spec in enumerate(document["columns"]))
    layout = Layout(
        key=document["key"], name=document["name"], description=document["description"],
        product=document.get("product", ""), encoding=document["encoding"],
        line_terminator=LINE_TERMINATORS[document.get("line_terminator", "crlf")],
        delimiter=document.get("delimiter", ","), header=document.get("header", True),
        extension=document.get("extension", "csv"), date_format=document["date_format"],
        decimals=amount_format.get("decimals", 2), thousands_separator=amount_format.get("thousands_separator", ""),
        zero=amount_format.get("zero"), columns=columns,
    )
    _check_text(layout, where, errors)
    if errors:
        raise InvalidLayout(errors.errors)
    return layout


def _column(spec: dict, where: str, errors: ErrorCollector) -> Column:
    join = spec.get("join") or {}
    column = Column(
        header=spec["header"], role=spec.get("role"), fallback=spec.get("fallback"), default=spec.get("default"),
        value=spec.get("value"), parts=tuple((p["role"], p.get("prefix", "")) for p in join.get("parts", [])),
        separator=join.get("separator", ""), date_format=spec.get("format"), zero=spec.get("zero"),
    )
    kind = ROLES[column.role].kind if column.role else None
    if column.fallback and not column.role:
        errors.add(f"{where}.fallback", _("only a column with a 'role' has a fallback"))
    if column.fallback and ROLES[column.fallback].kind != kind:
        errors.add(f"{where}.fallback", _("must be a role of the same kind as '%(role)s' (%(kind)s)")
                   % {"role": column.role, "kind": kind})
    if column.default is not None and column.value is not None:
        errors.add(f"{where}.default", _("a constant column has no default"))
    if column.date_format and kind != DATE:
        errors.add(f"{where}.format", _("only a column with a date role has a date format"))
    if column.zero is not None and kind != AMOUNT:
        errors.add(f"{where}.zero", _("only a column with an amount role says how zero is written"))
    return column


def _check_text(layout: Layout, where: str, errors: ErrorCollector) -> None:
    """Headers must be told apart, and every fixed text must fit the file's encoding."""
    seen: set[str] = set()
    for index, column in enumerate(layout.columns):
        if column.header in seen:
            errors.add(f"{where}: columns[{index}].header", _("'%(header)s' is used by an earlier column")
                       % {"header": column.header})
        seen.add(column.header)
        texts = {"header": column.header, "value": column.value, "default": column.default,
                 "join": column.separator + "".join(prefix for _role, prefix in column.parts)}
        for name, text in texts.items():
            try:
                (text or "").encode(layout.encoding)
            except UnicodeEncodeError as exc:
                errors.add(f"{where}: columns[{index}].{name}", _("'%(char)s' cannot be written in %(encoding)s")
                           % {"char": exc.object[exc.start:exc.end], "encoding": layout.charset})
