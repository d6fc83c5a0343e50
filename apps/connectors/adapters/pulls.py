"""Reading one page a channel answered to a pull: its orders, whether more follow, where to resume.

Each order in the page is read by the document's ``order`` section with
``order`` (and ``payload``) being that element: ``order.root`` is for pushed
payloads only. The cursor is a canonical ``updated_at``; once the last page of
a window is stored, it may move to the window's end even when the window was
quiet, so a windowed pull (Pinduoduo's 30 minutes) never stalls.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django.utils.translation import gettext as _

from . import canonical as c
from .documents import resolve
from .errors import AdapterError, ChannelError
from .orders import OrderReader
from .requests import DEFAULT_PAGE_SIZE, info


def pull_page(adapter: str | Mapping[str, Any], response: Any, *, page: int = 1,
              page_size: int | None = None, until: str | None = None
              ) -> tuple[list[dict[str, Any]], bool, str | None]:
    """``(orders, has_more, next_cursor)`` of one answer; raises ChannelError when the channel reports one.

    ``next_cursor`` is the latest ``updated_at`` on the page, or ``until`` (the
    window asked for, from ``pull_request``) on a last page when it is later.
    Keep the cursor of the first page while paging; store the latest one seen
    once ``has_more`` is false.
    """
    doc = resolve(adapter)
    reader = OrderReader(doc)
    ev = reader.ev
    spec = doc.get("pull")
    if not spec:
        raise ev.fail("pull", _("this adapter has no pull section"))
    data = ev.context_value("response", response)
    context = {"response": data, "page": page, "page_size": page_size or spec.get("page_size", DEFAULT_PAGE_SIZE),
               "adapter": info(doc)}
    if spec.get("error"):
        message = ev.value(spec["error"], "pull.error", context)
        if message:
            raise ChannelError(doc["key"], {"pull.error": [_("the channel answered: %(message)s") % {
                "message": str(message)[:500]}]}, expression=spec["error"])
    found = ev.value(spec["orders"], "pull.orders", context)
    if found is not None and not isinstance(found, list):
        raise ev.fail("pull.orders", _("must give a list, not %(value)s") % {"value": type(found).__name__},
                      expression=spec["orders"])
    orders = []
    for index, raw in enumerate(found or []):
        where = _("order %(n)s of the page") % {"n": index + 1}
        if not isinstance(raw, dict):
            raise ev.fail("pull.orders", _("%(where)s is not an object") % {"where": where},
                          expression=spec["orders"])
        try:
            orders.append(reader.read(raw, raw))
        except AdapterError as error:
            errors = {path: [f"{where}: {message}" for message in messages]
                      for path, messages in error.errors.items()}
            raise AdapterError(error.adapter, errors, expression=error.expression,
                               extra={**error.extra, "order": index + 1}) from error
    more = ev.value(spec["has_more"], "pull.has_more", context)
    if not isinstance(more, bool | int | None):
        raise ev.fail("pull.has_more", _("must be true or false, not %(value)s") % {"value": repr(more)[:60]},
                      expression=spec["has_more"])
    latest = None
    for order in orders:
        latest = c.later(latest, order["updated_at"])
    if not more and until:
        latest = c.later(latest, until)
    return orders, bool(more), latest
