"""Parse, check, guard and compile sources, with an LRU cache.

Flows evaluate the same few expressions thousands of times, so compilation
(parse + checks + Python code generation, ~1 ms) happens once per
(environment, mode, source); failures are cached too, as plain data, so a
broken definition does not cost a recompile on every run.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Literal

from jinja2 import Template, nodes
from jinja2.exceptions import TemplateSyntaxError
from jinja2.parser import Parser

from .environment import LENIENT, STRICT, WeftEnvironment
from .errors import ErrorKind, ExpressionError
from .i18n import gettext as _
from .limits import DEFAULT_LIMITS
from .policy import Forbidden, Mode, check
from .shape import shape_problem
from .transform import guard

Flavor = Literal["strict", "lenient"]
RESULT = "_result"

_ENVIRONMENTS: dict[str, WeftEnvironment] = {"strict": STRICT, "lenient": LENIENT}


@dataclass(frozen=True)
class Compiled:
    """A ready template; ``native`` means the result is a value, not text."""

    template: Template | None
    native: bool
    error: tuple[ErrorKind, str, int | None] | None = None

    def raise_error(self, source: str) -> None:
        if self.error is not None:
            kind, message, lineno = self.error
            raise ExpressionError(source, kind, message, lineno=lineno)


def parse(source: str, mode: Mode, env: WeftEnvironment = STRICT) -> tuple[nodes.Node, bool]:
    """Parse ``source`` and run the static checks; returns (tree, native).

    For ``expression`` mode the tree is the bare expression; for ``value`` mode
    a source that is exactly one ``{{ expr }}`` also yields the bare expression.
    """
    if len(source) > DEFAULT_LIMITS.max_source_chars:
        raise Forbidden(
            "syntax",
            _("the source is longer than %(n)s characters")
            % {"n": DEFAULT_LIMITS.max_source_chars},
            None,
        )
    problem = shape_problem(source, mode, max_operators=DEFAULT_LIMITS.max_operators,
                            max_depth=DEFAULT_LIMITS.max_nesting)
    if problem is not None:
        raise Forbidden("syntax", problem, None)
    tree: nodes.Node
    if mode == "expression":
        parser = Parser(env, source, state="variable")
        tree = parser.parse_expression()
        if not parser.stream.eos:
            token = parser.stream.current
            raise TemplateSyntaxError(
                _("unexpected %(token)s after the expression") % {"token": repr(token.value)},
                token.lineno,
            )
        tree.set_environment(env)
        native = True
    else:
        tree = env.parse(source)
        native = False
        if mode == "value":
            single = _single_expression(tree)
            if single is not None:
                tree, native = single, True
    check(tree, "expression" if native else mode, set(env.filters), set(env.tests))
    return tree, native


def _single_expression(tree: nodes.Template) -> nodes.Expr | None:
    if len(tree.body) != 1 or not isinstance(tree.body[0], nodes.Output):
        return None
    parts = [
        node
        for node in tree.body[0].nodes
        if not (isinstance(node, nodes.TemplateData) and not node.data.strip())
    ]
    if len(parts) == 1 and not isinstance(parts[0], nodes.TemplateData):
        return parts[0]
    return None


_CACHED_SOURCE_CHARS = 8_192


def compile_source(flavor: Flavor, mode: Mode, source: str) -> Compiled:
    """Compile ``source``, from the cache unless it is unusually large."""
    if len(source) > _CACHED_SOURCE_CHARS:
        return _compile(flavor, mode, source)
    return _compile_cached(flavor, mode, source)


def _compile(flavor: Flavor, mode: Mode, source: str) -> Compiled:
    env = _ENVIRONMENTS[flavor]
    try:
        tree, native = parse(source, mode, env)
        if native:
            body: list[nodes.Node] = [nodes.Assign(nodes.Name(RESULT, "store"), tree, lineno=1)]
            tree = nodes.Template(body, lineno=1)
        assert isinstance(tree, nodes.Template)
        tree = guard(tree)
        tree.set_environment(env)
        return Compiled(env.from_string(tree), native)
    except Exception as error:
        return Compiled(None, False, compile_error(error, source))


_compile_cached = lru_cache(maxsize=2048)(_compile)


def compile_error(error: Exception, source: str) -> tuple[ErrorKind, str, int | None]:
    """(kind, message, line) for an exception raised while parsing or compiling."""
    if isinstance(error, Forbidden):
        message = error.message
        if error.lineno and "\n" in source.strip():
            message = _("%(message)s (line %(line)s)") % {"message": message, "line": error.lineno}
        return error.kind, message, error.lineno
    if isinstance(error, TemplateSyntaxError):
        message = _("syntax error on line %(line)s: %(message)s") % {
            "line": error.lineno,
            "message": error.message,
        }
        return "syntax", message, error.lineno
    if isinstance(error, RecursionError | MemoryError):
        return "limit", _("the expression is nested too deeply"), None
    # e.g. an integer literal with thousands of digits
    return "syntax", _("the expression cannot be compiled: %(error)s") % {"error": error}, None
