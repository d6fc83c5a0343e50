"""A Jinja lexer whose number literals with a fraction are exact Decimals.

Jinja turns ``0.1`` into a float while lexing, and the original digits are gone
by the time extensions see the token stream. Money must be exact, so the
conversion happens here, from the literal's own text.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from decimal import Decimal

from jinja2.lexer import TOKEN_FLOAT, Lexer, Token

_DECIMAL = "weft_decimal"


class DecimalLexer(Lexer):
    def wrap(
        self,
        stream: Iterable[tuple[int, str, str]],
        name: str | None = None,
        filename: str | None = None,
    ) -> Iterator[Token]:
        marked = ((n, _DECIMAL if kind == TOKEN_FLOAT else kind, v) for n, kind, v in stream)
        for token in super().wrap(marked, name, filename):
            if token.type == _DECIMAL:
                yield Token(token.lineno, TOKEN_FLOAT, Decimal(token.value.replace("_", "")))
            else:
                yield token
