"""Errors of channel adapters: always naming the adapter, the place in its document and the cause.

A payload that cannot be read is reported where a builder can fix it: the
adapter key, the path of the document entry (``order.items.fields.price``),
the expression and, for lists, which element of the payload failed.
"""

from __future__ import annotations

from typing import Any

from apps.core.errors import ValidationFailed


class AdapterError(ValidationFailed):
    """A document that is not valid, or a payload its document cannot read.

    ``errors`` maps document paths to messages; ``adapter`` is the document
    key; ``expression`` the source at fault when there is one.
    """

    code = "adapter_error"

    def __init__(self, adapter: str, errors: dict[str, list[Any]], *, expression: str | None = None,
                 extra: dict[str, Any] | None = None):
        self.adapter = adapter
        self.expression = expression
        self.path = next(iter(errors), "")
        details = {"adapter": adapter, **({"expression": expression} if expression else {}),
                   **(extra or {})}
        super().__init__(errors, extra=details)

    def __str__(self) -> str:
        problems = "; ".join(f"{path}: {message}" for path, messages in self.errors.items()
                             for message in messages)
        return f"adapter '{self.adapter}': {problems}"


class ChannelError(AdapterError):
    """The channel answered a pull or a stock update with an error of its own."""

    code = "channel_error"
