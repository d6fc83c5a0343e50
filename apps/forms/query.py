"""Filtering, sorting and cursor pagination of records on their field values.

Conditions come from query parameters (``total__gte=100``, ``lines.sku=A1``) or a
saved view's JSON; each field type turns its conditions into SQL, and conditions
on subtable rows match when any row matches.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import BooleanField, ExpressionWrapper, F, Q, QuerySet
from django.db.models.expressions import RawSQL
from django.db.models.lookups import Exact, GreaterThan, IsNull, LessThan
from django.utils.translation import gettext as _

from apps.core.errors import ErrorCollector, ValidationFailed

from .fields.base import RANGE_OPS, FieldValueError, WriteContext, field_types
from .models import Form, Record
from .validation import active_fields

RESERVED_PARAMS = frozenset({"sort", "limit", "cursor", "view", "format", "include_removed", "fields", "q"})
META_COLUMNS = {"id": "id", "created_at": "created_at", "updated_at": "updated_at", "version": "version",
                "created_by": "created_by_id", "updated_by": "updated_by_id"}
LIST_OPS = ("in", "not_in")
NO_VALUE_OPS = ("empty", "not_empty")
ALL_OPS = ("eq", "ne", "in", "not_in", "empty", "not_empty", "gt", "gte", "lt", "lte", "between",
           "contains", "icontains", "startswith")


@dataclass
class Condition:
    path: str
    op: str
    value: Any = None
    source: str = ""


def conditions_from_params(params) -> list[Condition]:
    out = []
    for name in params:
        if name in RESERVED_PARAMS:
            continue
        path, _sep, op = name.partition("__")
        for value in params.getlist(name):
            out.append(Condition(path, op or "eq", value, source=name))
    return out


def conditions_from_json(items: Any) -> list[Condition]:
    if not isinstance(items, list):
        raise ValidationFailed({"filters": [_("must be a list of {field, op, value}")]})
    errors = ErrorCollector()
    out = []
    for index, item in enumerate(items):
        if not isinstance(item, dict) or not isinstance(item.get("field"), str):
            errors.add(f"filters[{index}]", _("must be an object with 'field', 'op' and 'value'"))
            continue
        out.append(Condition(item["field"], item.get("op", "eq"), item.get("value"), source=f"filters[{index}]"))
    errors.raise_if_any()
    return out


def _as_list(value: Any) -> list:
    if isinstance(value, list):
        return value
    return [part.strip() for part in str(value).split(",") if part.strip()]


def _field_for(form: Form, path: str) -> tuple[dict | None, dict | None]:
    """(top field, subfield) of ``path``; subfield is set for ``subtable.key`` paths."""
    fields = {f["key"]: f for f in active_fields(form.definition["fields"])}
    top, _sep, sub = path.partition(".")
    field = fields.get(top)
    if field is None or not sub:
        return field, None
    if field["type"] != "subtable":
        return None, None
    subfields = {f["key"]: f for f in field.get("fields", [])}
    return field, subfields.get(sub)


def _operand(ftype, field: dict, op: str, value: Any, ctx: WriteContext) -> Any:
    if op in NO_VALUE_OPS:
        return None
    if op in ("contains", "icontains", "startswith") and field["type"] not in ("multi_select",):
        return str(value)
    if op in LIST_OPS:
        return [ftype.filter_value(v, field, ctx) for v in _as_list(value)]
    if op == "between":
        parts = _as_list(value)
        if len(parts) != 2:
            raise FieldValueError(_("needs two values: low,high"))
        return [ftype.filter_value(v, field, ctx) for v in parts]
    return ftype.filter_value(value, field, ctx)


def build_q(form: Form, conditions: list[Condition]) -> Q:
    errors = ErrorCollector()
    ctx = WriteContext(workspace=form.workspace, form=form, creating=False)
    q = Q()
    for cond in conditions:
        where = cond.source or cond.path
        if cond.op not in ALL_OPS:
            errors.add(where, _("unknown operator '%(op)s'; use one of: %(ops)s") % {"op": cond.op,
                                                                                  "ops": ", ".join(ALL_OPS)})
            continue
        if cond.path in META_COLUMNS:
            q &= _meta_q(cond, errors, where)
            continue
        field, subfield = _field_for(form, cond.path)
        target = subfield or field
        if target is None:
            errors.add(where, _("'%(path)s' is not a field of this form") % {"path": cond.path})
            continue
        ftype = field_types.get(target["type"])
        if subfield is None and cond.op not in ftype.filter_ops:
            errors.add(where, _("a %(type)s field cannot be filtered with '%(op)s'") % {"type": target["type"],
                                                                                     "op": cond.op})
            continue
        try:
            operand = _operand(ftype, target, cond.op, cond.value, ctx)
        except FieldValueError as exc:
            errors.add(where, next(iter(exc.errors.values()))[0])
            continue
        if subfield is not None:
            q &= _subtable_q(field["key"], subfield, cond.op, operand)
        else:
            q &= ftype.filter_q(f"data__{cond.path}", target, cond.op, operand)
    errors.raise_if_any()
    return q


def _meta_q(cond: Condition, errors: ErrorCollector, where: str) -> Q:
    column = META_COLUMNS[cond.path]
    lookups = {"eq": "exact", "gt": "gt", "gte": "gte", "lt": "lt", "lte": "lte", "in": "in"}
    if cond.op not in lookups and cond.op != "between":
        errors.add(where, _("'%(path)s' can be filtered with: %(ops)s") % {"path": cond.path,
                                                                       "ops": "eq, in, gt, gte, lt, lte, between"})
        return Q()
    if cond.op == "between":
        low, high = (_as_list(cond.value) + [None, None])[:2]
        return Q(**{f"{column}__gte": low, f"{column}__lte": high})
    value = _as_list(cond.value) if cond.op == "in" else cond.value
    return Q(**{f"{column}__{lookups[cond.op]}": value})


_SQL_OPS = {"eq": "=", "ne": "<>", "gt": ">", "gte": ">=", "lt": "<", "lte": "<="}
NUMERIC_TYPES = ("integer", "decimal", "counter")


def _subtable_q(table_key: str, subfield: dict, op: str, value: Any) -> Q:
    """Any row of the subtable matches: an EXISTS over the JSON array, per database."""
    column = f'"{Record._meta.db_table}"."data"'
    numeric = subfield["type"] in NUMERIC_TYPES
    if connection.vendor == "postgresql":
        rows = f"jsonb_array_elements(CASE WHEN jsonb_typeof({column}->%s) = 'array' THEN {column}->%s ELSE '[]'::jsonb END)"
        rows_params: list[Any] = [table_key, table_key]
        text = "(e.value->>%s)"
        typed = f"({text})::numeric" if numeric else text
    else:
        rows = f"json_each({column}, %s)"
        rows_params = [f'$."{table_key}"']
        text = "json_extract(e.value, %s)"
        typed = f"CAST({text} AS NUMERIC)" if numeric else text
    key = subfield["key"] if connection.vendor == "postgresql" else f'$."{subfield["key"]}"'
    params: list[Any] = [*rows_params, key]
    if op in NO_VALUE_OPS:  # "empty": no row has a value
        cond = f"{text} IS NOT NULL AND {text} <> ''"
        params.append(key)
    elif op in _SQL_OPS or op in RANGE_OPS:
        if op == "between":
            cond = f"{typed} BETWEEN %s AND %s"
            params += [_sql_value(value[0]), _sql_value(value[1])]
        else:
            cond = f"{typed} {_SQL_OPS[op]} %s"
            params.append(_sql_value(value))
    elif op in LIST_OPS:
        cond = f"{typed} IN ({', '.join(['%s'] * len(value))})"
        params += [_sql_value(v) for v in value]
    else:
        pattern = {"contains": "%{}%", "icontains": "%{}%", "startswith": "{}%"}[op].format(_escape_like(value))
        if op == "icontains":
            cond = f"UPPER({text}) LIKE UPPER(%s) ESCAPE '\\'"
        else:
            cond = f"{text} LIKE %s ESCAPE '\\'"
        params.append(pattern)
    sql = f"EXISTS (SELECT 1 FROM {rows} AS e WHERE {cond})"
    exists = Q(ExpressionWrapper(RawSQL(sql, params), output_field=BooleanField()))
    return ~exists if op == "empty" else exists


def _sql_value(value: Any) -> Any:
    """JSON booleans read back as 'true'/'false' on PostgreSQL and as 1/0 on SQLite."""
    if isinstance(value, bool):
        if connection.vendor == "postgresql":
            return "true" if value else "false"
        return int(value)
    return value


def _escape_like(text: str) -> str:
    return str(text).replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


# --- sorting and cursors --------------------------------------------------------------


def sort_expression(form: Form, spec: str):
    """(expression, descending) for ``total`` / ``-created_at``."""
    descending = spec.startswith("-")
    key = spec.lstrip("-")
    if key in META_COLUMNS:
        return F(META_COLUMNS[key]), descending
    field, subfield = _field_for(form, key)
    if field is None or subfield is not None or not field_types.get(field["type"]).sortable:
        raise ValidationFailed({"sort": [_("cannot sort by '%(key)s'") % {"key": key}]})
    return field_types.get(field["type"]).db_expression(f"data__{key}", field), descending


def _encode(value: Any) -> Any:
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    return value


def encode_cursor(sort: str, value: Any, pk: int) -> str:
    raw = json.dumps({"s": sort, "v": _encode(value), "id": pk}, separators=(",", ":"))
    return base64.urlsafe_b64encode(raw.encode()).decode().rstrip("=")


def decode_cursor(cursor: str, sort: str) -> tuple[Any, int]:
    try:
        data = json.loads(base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)))
        if data["s"] != sort:
            raise ValueError
        return data["v"], int(data["id"])
    except (ValueError, KeyError, TypeError):
        raise ValidationFailed({"cursor": [_("is not a cursor of this listing; start again without it")]}) from None


def order_records(form: Form, queryset: QuerySet, sort: str, then: tuple[str, ...] = ()
                  ) -> tuple[QuerySet, Any, bool]:
    """The listing's order: ``sort`` (newest first when there is neither a sort nor ``then``
    keys), then the ``then`` keys, then ``id`` in the first key's direction, so the order is
    total. Empty values come first ascending and last descending. The first key is ``_sort``."""
    specs = ([sort] if sort else ([] if then else ["-id"])) + list(then)
    keys = [sort_expression(form, spec) for spec in specs]
    terms = []
    for index, (expression, descending) in enumerate(keys):
        name = "_sort" if index == 0 else f"_sort{index}"
        queryset = queryset.annotate(**{name: expression})
        terms.append(F(name).desc(nulls_last=True) if descending else F(name).asc(nulls_first=True))
    expression, descending = keys[0]
    return queryset.order_by(*terms, "-id" if descending else "id"), expression, descending


def paginate(form: Form, queryset: QuerySet, sort: str, cursor: str | None, limit: int
             ) -> tuple[list[Record], str | None]:
    """Keyset pagination on (sort value, id): stable under concurrent inserts, no OFFSET scans."""
    sort = sort or "-id"
    queryset, expression, descending = order_records(form, queryset, sort)
    if cursor:
        value, pk = decode_cursor(cursor, sort)
        if value is not None:
            value = expression.output_field.to_python(value) if hasattr(expression, "output_field") else value
        queryset = queryset.filter(_after(value, pk, descending))
    rows = list(queryset[: limit + 1])
    more = len(rows) > limit
    rows = rows[:limit]
    next_cursor = encode_cursor(sort, rows[-1]._sort, rows[-1].pk) if more and rows else None
    return rows, next_cursor


def _after(value: Any, pk: int, descending: bool) -> Q:
    """Rows after (value, pk) in the listing's order; generic lookups, not the JSON ones, compare them."""
    sort = F("_sort")
    is_null = Q(IsNull(sort, True))
    if not descending:
        if value is None:
            return (is_null & Q(id__gt=pk)) | ~is_null
        return Q(GreaterThan(sort, value)) | (Q(Exact(sort, value)) & Q(id__gt=pk))
    if value is None:
        return is_null & Q(id__lt=pk)
    return Q(LessThan(sort, value)) | (Q(Exact(sort, value)) & Q(id__lt=pk)) | is_null


def search_q(form: Form, text: str) -> Q:
    """Records with ``text`` in any field that can be searched as text (case-insensitive)."""
    q = Q(pk__in=[])
    for field in active_fields(form.definition["fields"]):
        ftype = field_types.get(field["type"])
        if ftype.stored_in_data and "icontains" in ftype.filter_ops:
            q |= ftype.filter_q(f"data__{field['key']}", field, "icontains", text)
    return q
