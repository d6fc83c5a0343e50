"""Values computed from the record's other fields by an expression, e.g. ``record.qty * record.price``.

Evaluation is delegated to ``apps.expressions`` (the sandboxed language flows use
too); this type only prepares exact inputs (decimal fields as Decimal) and turns
the result into the stored form of its declared result type.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django.db.models import BigIntegerField, Expression
from django.db.models import DecimalField as DbDecimal
from django.db.models.fields.json import KT
from django.db.models.functions import Cast
from django.utils.translation import gettext_lazy as _

from ..conversion import decimal_text, typed_data
from .base import COMMON_OPS, RANGE_OPS, DefinitionContext, FieldType, FieldValueError, field_types
from .boolean import parse_boolean
from .date import to_date, zone_of
from .decimal import MAX_INTEGER_DIGITS, quantize, to_decimal
from .integer import parse_integer

RESULTS = ("decimal", "integer", "text", "boolean", "date")


def source_of(field: dict) -> str:
    """The expression without one outer ``{{ }}``: both spellings are accepted."""
    text = (field.get("expression") or "").strip()
    if text.startswith("{{") and text.endswith("}}") and text.count("{{") == 1:
        return text[2:-2].strip()
    return text


def sibling_fields(field: dict, ctx: Any) -> list[dict]:
    """The fields next to ``field``: the form's, or its table's when the formula is a table column."""
    top = (getattr(getattr(ctx, "form", None), "definition", None) or {}).get("fields", [])
    if field in top:
        return top
    for candidate in top:
        if candidate.get("type") == "subtable" and field in candidate.get("fields", []):
            return candidate["fields"]
    return []


@field_types.register
class FormulaField(FieldType):
    type = "formula"
    label = _("Formula")
    options_schema = {
        "expression": {"type": "string", "minLength": 1, "maxLength": 2000},
        "result": {"enum": list(RESULTS)},
        "decimal_places": {"type": "integer", "minimum": 0, "maximum": 8},
    }
    value_schema = {"type": ["string", "integer", "boolean"]}
    filter_ops = COMMON_OPS + RANGE_OPS
    computed = True
    sample: Any = "25.00"
    sample_field: dict[str, Any] = {"expression": "record.qty * record.price", "result": "decimal"}

    def check_definition(self, field: dict, ctx: DefinitionContext) -> dict[str, list[Any]]:
        source = source_of(field)
        if not source:
            return {"expression": [_("is required")]}
        problem = ctx.expressions.check(source, mode="expression")
        return {"expression": [problem]} if problem else {}

    def normalize(self, value: Any, field: dict, ctx) -> Any:
        raise FieldValueError(_("is computed and cannot be set"))

    def compute(self, data: dict, field: dict, ctx) -> Any:
        import apps.expressions as expressions

        record = typed_data(data, sibling_fields(field, ctx))
        try:
            result = expressions.evaluate_expression(
                source_of(field), expressions.make_context(record=record)
            )
        except expressions.ExpressionError as exc:
            if _uses_empty_field(source_of(field), record):
                return None
            raise FieldValueError(str(exc)) from None
        return self.convert(result, field, ctx)

    def convert(self, result: Any, field: dict, ctx: Any = None) -> Any:
        """The stored form of ``result`` for the declared result type; None stays empty."""
        if result is None or result == "":
            return None
        kind = field.get("result", "decimal")
        try:
            if kind == "decimal":
                return decimal_text(
                    quantize(to_decimal(result), field.get("decimal_places", 2), exact=False)
                )
            if kind == "integer":
                return parse_integer(quantize(to_decimal(result), 0, exact=False))
            if kind == "boolean":
                return parse_boolean(result)
            if kind == "date":
                return to_date(
                    result if isinstance(result, date | datetime) else str(result), zone_of(ctx)
                ).isoformat()
            return str(result)
        except FieldValueError as exc:
            raise FieldValueError(
                _("the formula gave '%(value)s', which is not a valid %(type)s: %(reason)s")
                % {"value": result, "type": kind, "reason": exc.errors[""][0]}
            ) from None

    def filter_value(self, value: Any, field: dict, ctx=None) -> Any:
        return self.convert(value, field, ctx)

    def db_expression(self, path: str, field: dict) -> Expression:
        kind = field.get("result", "decimal")
        if kind == "decimal":
            places = field.get("decimal_places", 2)
            return Cast(
                KT(path), DbDecimal(max_digits=MAX_INTEGER_DIGITS + places, decimal_places=places)
            )
        if kind == "integer":
            return Cast(KT(path), BigIntegerField())
        return KT(path)

    def to_csv(self, value: Any, field: dict) -> str:
        if value is None:
            return ""
        return ("true" if value else "false") if isinstance(value, bool) else str(value)

    def unique_value(self, value: Any, field: dict) -> str:
        return self.to_csv(value, field)


def _uses_empty_field(source: str, record: dict) -> bool:
    """A formula over a field that is still empty stays empty, as in a spreadsheet, instead of refusing the save."""
    from apps.expressions import ExpressionError, referenced_paths

    try:
        paths = referenced_paths(source, mode="expression")
    except ExpressionError:
        return False
    for path in paths:
        parts = path.split(".")
        if parts[0] == "record" and len(parts) > 1 and record.get(parts[1]) in (None, "", []):
            return True
    return False
