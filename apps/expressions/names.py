"""Which context names and field paths an expression reads.

Forms recompute formulas when the fields they use change, and flows check that
a step only uses data produced by earlier steps; both need the dependencies
without evaluating anything.
"""

from __future__ import annotations

from jinja2 import nodes
from jinja2.meta import find_undeclared_variables

from .compiler import compile_error, parse
from .environment import STRICT
from .errors import ExpressionError
from .evaluate import CheckMode
from .functions import GLOBALS


def _tree(source: str, mode: CheckMode) -> nodes.Template | None:
    if mode == "value" and "{{" not in source and "{%" not in source:
        return None
    try:
        tree, native = parse(source, "expression" if mode == "condition" else mode)
    except Exception as error:
        kind, message, lineno = compile_error(error, source)
        raise ExpressionError(source, kind, message, lineno=lineno) from None
    if native:
        tree = nodes.Template([nodes.Output([tree])])
        tree.set_environment(STRICT)
    assert isinstance(tree, nodes.Template)
    return tree


def referenced_names(source: str, *, mode: CheckMode) -> set[str]:
    """Top-level context names read by ``source`` (``record.qty`` → ``{"record"}``)."""
    tree = _tree(source, mode)
    if tree is None:
        return set()
    return set(find_undeclared_variables(tree)) - set(GLOBALS)


def _path(node: nodes.Node) -> list[str] | None:
    if isinstance(node, nodes.Name):
        return [node.name]
    if isinstance(node, nodes.Getattr):
        base = _path(node.node)
        return None if base is None else [*base, node.attr]
    if isinstance(node, nodes.Getitem) and isinstance(node.arg, nodes.Const):
        key = node.arg.value
        base = _path(node.node)
        if base is not None and isinstance(key, str | int) and not isinstance(key, bool):
            return [*base, str(key)]
    return None


def referenced_paths(source: str, *, mode: CheckMode) -> set[str]:
    """Dotted field paths read by ``source`` (``record.customer.email``)."""
    tree = _tree(source, mode)
    if tree is None:
        return set()
    roots = set(find_undeclared_variables(tree)) - set(GLOBALS)
    paths: set[str] = set()
    stack: list[nodes.Node] = [tree]
    while stack:
        node = stack.pop()
        path = _path(node) if isinstance(node, nodes.Name | nodes.Getattr | nodes.Getitem) else None
        if path is not None:
            if path[0] in roots:
                paths.add(".".join(path))
            continue
        stack.extend(node.iter_child_nodes())
    return paths
