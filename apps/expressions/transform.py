"""Rewrite the checked syntax tree so that the remaining unhooked operations are guarded.

Jinja's sandbox intercepts attribute access, calls and arithmetic, but not
loop iteration, ``~``, list/dict literals or number literals. Those nodes are
replaced by calls to :mod:`.runtime` functions; they are referenced through
``ImportedName`` nodes, which the parser never produces, so user source can
neither call nor shadow them.
"""

from __future__ import annotations

from decimal import Decimal

from jinja2 import nodes
from jinja2.visitor import NodeTransformer

_RUNTIME = "apps.expressions.runtime."


def _call(function: str, args: list[nodes.Expr], origin: nodes.Node) -> nodes.Call:
    line = origin.lineno
    target = nodes.ImportedName(_RUNTIME + function, lineno=line)
    return nodes.Call(target, list(args), [], None, None, lineno=line)


def _all_const(items: list[nodes.Expr]) -> bool:
    return all(isinstance(item, nodes.Const) for item in items)


class Guards(NodeTransformer):
    def visit_For(self, node: nodes.For) -> nodes.Node:
        self.generic_visit(node)
        node.iter = _call("guard_iter", [node.iter], node)
        return node

    def visit_Concat(self, node: nodes.Concat) -> nodes.Node:
        self.generic_visit(node)
        return _call("concat", node.nodes, node)

    def visit_Const(self, node: nodes.Const) -> nodes.Node:
        if isinstance(node.value, Decimal):
            return _call(
                "decimal_literal", [nodes.Const(str(node.value), lineno=node.lineno)], node
            )
        return node

    def visit_Tuple(self, node: nodes.Tuple) -> nodes.Node:
        self.generic_visit(node)
        if node.ctx != "load":
            return node
        return self._list(nodes.List(node.items, lineno=node.lineno))

    def visit_List(self, node: nodes.List) -> nodes.Node:
        self.generic_visit(node)
        return self._list(node)

    def _list(self, node: nodes.List) -> nodes.Node:
        if _all_const(node.items):
            return node
        return _call("build_list", node.items, node)

    def visit_Dict(self, node: nodes.Dict) -> nodes.Node:
        self.generic_visit(node)
        if all(_all_const([pair.key, pair.value]) for pair in node.items):
            return node
        flat: list[nodes.Expr] = []
        for pair in node.items:
            flat.extend((pair.key, pair.value))
        return _call("build_dict", flat, node)


def guard(template: nodes.Template) -> nodes.Template:
    result = Guards().visit(template)
    assert isinstance(result, nodes.Template)
    return result
