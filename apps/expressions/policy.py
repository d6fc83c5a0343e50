"""Static checks on the parsed expression, run when a definition is saved.

The runtime sandbox would refuse these constructs anyway, but refusing them at
parse time means a user saving a form or flow is told immediately, with a line
number, instead of when the flow first runs at 3 a.m. The check is an allow
list of node types: anything Jinja might add in a future version is refused.
"""

from __future__ import annotations

from typing import Literal

from jinja2 import nodes

from .filters import BLOCKED_FILTERS
from .i18n import gettext as _

Mode = Literal["value", "expression", "template"]

_EXPRESSION_NODES = (
    nodes.Name, nodes.Const, nodes.Tuple, nodes.List, nodes.Dict, nodes.Pair,
    nodes.Keyword, nodes.CondExpr, nodes.Filter, nodes.Test, nodes.Call,
    nodes.Getitem, nodes.Getattr, nodes.Slice, nodes.Concat, nodes.Compare,
    nodes.Operand, nodes.BinExpr, nodes.UnaryExpr,
)  # fmt: skip
_TEXT_NODES = (nodes.Template, nodes.Output, nodes.TemplateData)
_TEMPLATE_STATEMENTS = (nodes.If, nodes.For, nodes.Assign)

_STATEMENT_NAMES = {
    nodes.Extends: "extends", nodes.Include: "include", nodes.Import: "import",
    nodes.FromImport: "from ... import", nodes.Macro: "macro", nodes.CallBlock: "call",
    nodes.Block: "block", nodes.FilterBlock: "filter", nodes.With: "with",
    nodes.AssignBlock: "set ... endset", nodes.ScopedEvalContextModifier: "autoescape",
    nodes.Scope: "autoescape",
    nodes.If: "if", nodes.For: "for", nodes.Assign: "set",
}  # fmt: skip

_RESERVED_NAMES = frozenset({"self", "caller", "varargs", "kwargs"})


class Forbidden(Exception):
    """A construct the expression language does not allow."""

    def __init__(self, kind: Literal["syntax", "security"], message: str, lineno: int | None):
        self.kind = kind
        self.message = message
        self.lineno = lineno
        super().__init__(message)


def check(node: nodes.Node, mode: Mode, filters: set[str], tests: set[str]) -> None:
    """Raise Forbidden for the first node ``mode`` does not allow."""
    for child in _walk(node):
        _check_node(child, mode, filters, tests)


def _walk(node: nodes.Node):
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        stack.extend(current.iter_child_nodes())


def _check_node(node: nodes.Node, mode: Mode, filters: set[str], tests: set[str]) -> None:
    line = node.lineno
    if isinstance(node, _EXPRESSION_NODES):
        _check_expression(node, filters, tests)
    elif isinstance(node, _TEMPLATE_STATEMENTS):
        if mode != "template":
            raise Forbidden(
                "syntax",
                _("{%% %(tag)s %%} is only allowed in templates, not in a %(mode)s")
                % {"tag": _STATEMENT_NAMES[type(node)], "mode": _mode_label(mode)},
                line,
            )
        _check_statement(node)
    elif not isinstance(node, _TEXT_NODES):
        tag = _STATEMENT_NAMES.get(type(node))
        message = (
            _("{%% %(tag)s %%} is not allowed") % {"tag": tag}
            if tag
            else _("this construct is not allowed: %(node)s") % {"node": type(node).__name__}
        )
        raise Forbidden("security", message, line)


def _check_statement(node: nodes.Node) -> None:
    if isinstance(node, nodes.For) and node.recursive:
        raise Forbidden("security", _("recursive loops are not allowed"), node.lineno)
    if not isinstance(node, nodes.For | nodes.Assign):
        return
    target = node.target
    names = target.items if isinstance(target, nodes.Tuple) else [target]
    for name in names:
        if not isinstance(name, nodes.Name):
            raise Forbidden(
                "security",
                _("only simple names can be assigned, like {% set total = 0 %}"),
                node.lineno,
            )


def _check_expression(node: nodes.Node, filters: set[str], tests: set[str]) -> None:
    line = node.lineno
    if isinstance(node, nodes.Name) and (
        node.name.startswith("__") or node.name in _RESERVED_NAMES
    ):
        raise Forbidden(
            "security", _("the name %(name)s is reserved") % {"name": repr(node.name)}, line
        )
    if isinstance(node, nodes.Getattr) and node.attr.startswith("_"):
        raise Forbidden(
            "security",
            _("names starting with an underscore cannot be accessed (%(name)s)")
            % {"name": node.attr},
            line,
        )
    if isinstance(node, nodes.Getitem):
        key = node.arg
        if (
            isinstance(key, nodes.Const)
            and isinstance(key.value, str)
            and key.value.startswith("_")
        ):
            raise Forbidden(
                "security",
                _("names starting with an underscore cannot be accessed (%(name)s)")
                % {"name": key.value},
                line,
            )
    if isinstance(node, nodes.Keyword) and node.key.startswith("_"):
        raise Forbidden(
            "security", _("the name %(name)s is reserved") % {"name": repr(node.key)}, line
        )
    if isinstance(node, nodes.Call | nodes.Filter | nodes.Test) and (
        node.dyn_args or node.dyn_kwargs
    ):
        raise Forbidden("syntax", _("*args and **kwargs are not supported"), line)
    if isinstance(node, nodes.Filter):
        if node.name in BLOCKED_FILTERS:
            raise Forbidden(
                "security",
                _("the filter %(name)s is not allowed") % {"name": repr(node.name)},
                line,
            )
        if node.name not in filters:
            raise Forbidden(
                "syntax", _("there is no filter named %(name)s") % {"name": repr(node.name)}, line
            )
    if isinstance(node, nodes.Test) and node.name not in tests:
        raise Forbidden(
            "syntax", _("there is no test named %(name)s") % {"name": repr(node.name)}, line
        )


def _mode_label(mode: Mode) -> str:
    return _("value") if mode == "value" else _("expression")
