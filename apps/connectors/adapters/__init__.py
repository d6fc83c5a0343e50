"""Sales-channel adapters: each channel described by a JSON document, applied by a small engine.

A document (``platform/adapters/<key>.json``, or one a workspace writes) says
how the channel's order payloads map to the canonical order (``adapters.md``),
how stock is pushed to it and how its orders are pulled. These functions are
pure: no network, no database.
"""

from .documents import adapter_keys, all_adapters, declarations, get_adapter, validate_adapter
from .errors import AdapterError, ChannelError
from .orders import event_id_of, order_id_of, to_order
from .pulls import pull_page
from .requests import pull_request, stock_error, stock_request

__all__ = [
    "adapter_keys",
    "AdapterError",
    "ChannelError",
    "all_adapters",
    "declarations",
    "event_id_of",
    "get_adapter",
    "order_id_of",
    "pull_page",
    "pull_request",
    "stock_error",
    "stock_request",
    "to_order",
    "validate_adapter",
]
