"""Document numbers such as SO-20240501-0007: gap-free per form and period, safe under concurrent creates.

The number is taken in the creating record's transaction from a locked
``SerialSequence`` row, so a rolled-back create gives its number back and two
creates never get the same one (row lock on PostgreSQL, IMMEDIATE transactions on SQLite).
"""

from __future__ import annotations

import re
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from .base import COMMON_OPS, TEXT_OPS, DefinitionContext, FieldType, FieldValueError, field_types
from .date import workspace_zone

TOKEN = re.compile(r"\{([^{}]*)\}")
DATE_TOKENS = {
    "yyyyMMdd": "%Y%m%d",
    "yyyyMM": "%Y%m",
    "yyyy": "%Y",
    "yy": "%y",
    "MM": "%m",
    "dd": "%d",
}
SEQ = re.compile(r"seq(?::(\d{1,2}))?")
SCOPES = {"daily": "%Y%m%d", "monthly": "%Y%m", "yearly": "%Y", "never": ""}
DEFAULT_PATTERN = "{seq:6}"
RANK = {"never": 0, "yearly": 1, "monthly": 2, "daily": 3}
NEEDS = {"yearly": "{yyyy}", "monthly": "{yyyyMM}", "daily": "{yyyyMMdd}"}


def pattern_of(field: dict) -> str:
    return field.get("pattern") or DEFAULT_PATTERN


def default_reset(pattern: str) -> str:
    """Numbers restart when the date written in them changes, so they stay unique and short."""
    tokens = set(TOKEN.findall(pattern))
    if tokens & {"yyyyMMdd", "dd"}:
        return "daily"
    if tokens & {"yyyyMM", "MM"}:
        return "monthly"
    if tokens & {"yyyy", "yy"}:
        return "yearly"
    return "never"


def period_written(pattern: str) -> str:
    """The finest period a pattern's date parts fully name: '{MM}{dd}' names no period (it repeats yearly)."""
    tokens = set(TOKEN.findall(pattern))
    year = bool(tokens & {"yyyy", "yy", "yyyyMM", "yyyyMMdd"})
    month = year and bool(tokens & {"MM", "yyyyMM", "yyyyMMdd"})
    day = month and bool(tokens & {"dd", "yyyyMMdd"})
    return "daily" if day else "monthly" if month else "yearly" if year else "never"


def pattern_errors(pattern: str, reset: str) -> list[Any]:
    errors: list[Any] = []
    tokens = TOKEN.findall(pattern)
    for token in tokens:
        if token not in DATE_TOKENS and not SEQ.fullmatch(token):
            errors.append(
                _(
                    "'{%(token)s}' is not a known part; use {yyyy}, {yy}, {MM}, {dd}, {yyyyMMdd}, {yyyyMM} or {seq:N}"
                )
                % {"token": token}
            )
    if {"{", "}"} & set(TOKEN.sub("", pattern)):
        errors.append(_("has an unmatched brace"))
    if sum(1 for t in tokens if SEQ.fullmatch(t)) != 1:
        errors.append(_("must contain {seq:N} exactly once (N = minimum number of digits)"))
    if RANK[reset] > RANK[period_written(pattern)]:
        errors.append(
            _(
                "numbers restart %(reset)s, so the pattern must contain %(parts)s or numbers would repeat"
            )
            % {"reset": reset, "parts": NEEDS[reset]}
        )
    return errors


def render(pattern: str, moment: datetime, number: int) -> str:
    def part(match: re.Match) -> str:
        token = match.group(1)
        if token in DATE_TOKENS:
            return moment.strftime(DATE_TOKENS[token])
        return str(number).zfill(int(SEQ.fullmatch(token).group(1) or 1))

    return TOKEN.sub(part, pattern)


def next_number(form: Any, key: str, scope: str) -> int:
    """Lock (or first create) the period's sequence row and take the next number."""
    from apps.forms.models import SerialSequence

    with transaction.atomic():
        for _attempt in range(5):
            row = (
                SerialSequence.objects.select_for_update()
                .filter(form=form, field=key, scope=scope)
                .first()
            )
            if row is None:
                try:
                    with transaction.atomic():
                        row = SerialSequence.objects.create(
                            form=form, field=key, scope=scope, last=0
                        )
                except IntegrityError:
                    continue
            row.last += 1
            row.save(update_fields=["last"])
            return row.last
    raise RuntimeError(f"could not allocate a number for {key}")


@field_types.register
class SerialField(FieldType):
    type = "serial"
    label = _("Serial number")
    options_schema = {
        "pattern": {"type": "string", "minLength": 1, "maxLength": 100},
        "reset": {"enum": list(SCOPES)},
    }
    value_schema = {"type": "string"}
    filter_ops = COMMON_OPS + TEXT_OPS
    computed = True
    sample: Any = "SO-20240501-0007"
    sample_field: dict[str, Any] = {"pattern": "SO-{yyyyMMdd}-{seq:4}"}

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        pattern = pattern_of(field)
        errors = pattern_errors(pattern, field.get("reset") or default_reset(pattern))
        return {"pattern": errors} if errors else {}

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        raise FieldValueError(_("is assigned automatically"))

    def compute(self, data: dict, field: dict, ctx) -> Any:
        """A number on create only; afterwards the stored one is kept whatever else changes."""
        if not ctx.creating:
            return data.get(field["key"])
        pattern = pattern_of(field)
        moment = timezone.localtime(ctx.now or timezone.now(), workspace_zone(ctx.workspace))
        scope = moment.strftime(SCOPES[field.get("reset") or default_reset(pattern)])
        return render(pattern, moment, next_number(ctx.form, field["key"], scope))

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        return str(value).strip()
