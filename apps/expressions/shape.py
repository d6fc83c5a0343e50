"""A linear pre-scan of a source's shape, run before Jinja's parser sees it.

Jinja parses and compiles recursively: a source nested a few thousand brackets
deep, or a chain of thousands of ``+``, costs seconds of CPU before it fails
with a RecursionError. Counting brackets and operator tokens takes one pass
over the characters, so a source past the bounds is refused for the price of
reading it, with a message that says what to simplify.
"""

from __future__ import annotations

from dataclasses import dataclass

from .i18n import gettext as _

_OPEN, _CLOSE = "([{", ")]}"
_OPERATOR_CHARS = frozenset("+-*/%~<>=!|.")
_JOINING_CHARS = _OPERATOR_CHARS - {".", "-"}
_WORD_OPERATORS = frozenset({"and", "or", "not", "in", "is", "if"})
_NAME_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_")


@dataclass
class Shape:
    """The largest operator count and bracket depth of any one expression in a source.

    Reading stops as soon as either passes its bound (``stop_operators``,
    ``stop_depth``): the answer is already known.
    """

    stop_operators: int
    stop_depth: int
    operators: int = 0
    depth: int = 0

    @property
    def over(self) -> bool:
        return self.operators > self.stop_operators or self.depth > self.stop_depth


def shape_problem(source: str, mode: str, *, max_operators: int, max_depth: int) -> str | None:
    """A message when one expression of ``source`` has too many operators or nests too deep, else None.

    ``mode`` "expression" reads the whole source as one expression; "value" and
    "template" read only what is inside ``{{ }}`` and ``{% %}`` (one expression
    each), so the text around them costs nothing.
    """
    shape = measure(source, whole=mode == "expression", max_operators=max_operators, max_depth=max_depth)
    if shape.depth > max_depth:
        return _("expression too complex (brackets nested more than %(n)s deep)") % {"n": max_depth}
    if shape.operators > max_operators:
        return _("expression too complex (more than %(n)s operators)") % {"n": max_operators}
    return None


def measure(source: str, *, whole: bool, max_operators: int, max_depth: int) -> Shape:
    shape = Shape(max_operators, max_depth)
    if whole:
        _scan(source, 0, None, shape)
        return shape
    position, length = 0, len(source)
    while position < length and not shape.over:
        start = source.find("{", position)
        if start < 0 or start + 1 >= length:
            break
        opener = source[start + 1]
        if opener == "{":
            position = _scan(source, start + 2, "}}", shape)
        elif opener == "%":
            position = _scan(source, start + 2, "%}", shape)
        elif opener == "#":
            end = source.find("#}", start + 2)
            position = length if end < 0 else end + 2
        else:
            position = start + 1
    return shape


def _scan(source: str, position: int, end: str | None, shape: Shape) -> int:
    """Read one expression from ``position`` to ``end`` (outside brackets); the position after it."""
    length = len(source)
    depth = operators = 0
    while position < length and depth <= shape.stop_depth and operators <= shape.stop_operators:
        char = source[position]
        if end is not None and depth == 0 and source.startswith(end, position):
            position += len(end)
            break
        if char in "'\"":
            closing = _string_end(source, position + 1, char)
            position = closing + 1
            continue
        if char in _OPEN:  # a call, a subscript, a literal or a group: a node of its own
            depth += 1
            operators += 1
            shape.depth = max(shape.depth, depth)
        elif char in _CLOSE:
            depth = max(depth - 1, 0)
        elif char in _OPERATOR_CHARS:
            if not _decimal_point(source, position):
                operators += 1
            while position + 1 < length and source[position + 1] in _JOINING_CHARS:
                position += 1  # ``**``, ``//``, ``<=``, ``!=``: one operator
        elif char in _NAME_CHARS:
            start = position
            while position + 1 < length and source[position + 1] in _NAME_CHARS:
                position += 1
            if source[start:position + 1] in _WORD_OPERATORS:
                operators += 1
        position += 1
    shape.operators = max(shape.operators, operators)
    return position


def _string_end(source: str, position: int, quote: str) -> int:
    length = len(source)
    while position < length:
        char = source[position]
        if char == "\\":
            position += 2
            continue
        if char == quote:
            return position
        position += 1
    return length


def _decimal_point(source: str, position: int) -> bool:
    return (source[position] == "." and 0 < position < len(source) - 1
            and source[position - 1].isdigit() and source[position + 1].isdigit())
