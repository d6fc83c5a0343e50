"""Weft's expression language: sandboxed Jinja2 for values, conditions and templates.

One language is used wherever users compute something: form formulas, flow
step inputs, branch conditions and notification bodies. It is Jinja2's
sandbox narrowed further (allow-listed attributes, no statements outside
templates, bounded sizes, time and loops) with exact Decimal arithmetic.
"""

from .checking import DefinitionChecks
from .context import make_context
from .errors import ExpressionError
from .evaluate import (
    check_syntax,
    evaluate_condition,
    evaluate_expression,
    evaluate_value,
    render_template,
)
from .limits import DEFAULT_LIMITS, Limits
from .names import referenced_names, referenced_paths

__all__ = [
    "DEFAULT_LIMITS",
    "DefinitionChecks",
    "ExpressionError",
    "Limits",
    "check_syntax",
    "evaluate_condition",
    "evaluate_expression",
    "evaluate_value",
    "make_context",
    "referenced_names",
    "referenced_paths",
    "render_template",
]
