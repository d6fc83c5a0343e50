"""The HTTP requests an adapter describes: pushing one SKU's stock, pulling one page of orders.

Pure functions: they render the request (method, URL, headers, body bytes),
and other code sends it. Expressions see ``account`` (``base_url``,
``credentials``), ``adapter``, ``now`` (UTC) and, for stock, ``sku``,
``quantity`` and ``listing`` (the channel's own ids of the SKU, such as a
Shopify inventory item); for pulls, ``cursor``, ``since``, ``until``,
``page`` and ``page_size``. A ``sign`` entry also sees ``params`` (query and
form, before signing) and ``body`` (the body text).
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from typing import Any
from urllib.parse import quote, urlencode

from django.utils import timezone
from django.utils.translation import gettext as _

from apps.expressions import DEFAULT_LIMITS
from apps.expressions.filters.encodings import json_text
from apps.expressions.render import decimal_text

from ..verification import modes
from . import canonical as c
from .documents import resolve
from .evaluation import Evaluator

DEFAULT_LOOKBACK = 86_400
DEFAULT_PAGE_SIZE = 50


def stock_request(adapter: str | Mapping[str, Any], account: Mapping[str, Any], sku: str, quantity: int, *,
                  listing: Mapping[str, Any] | None = None, now: datetime | None = None) -> dict[str, Any]:
    """The request that sets ``sku``'s available stock on the channel to ``quantity``."""
    doc = resolve(adapter)
    builder = RequestBuilder(doc, "stock_update", account, now)
    return builder.build({"sku": sku, "quantity": quantity, "listing": dict(listing or {})})


def stock_error(adapter: str | Mapping[str, Any], response: Any) -> str | None:
    """The channel's own error in a stock update answer (many answer HTTP 200 with one), or None."""
    doc = resolve(adapter)
    spec = doc.get("stock_update") or {}
    if not spec.get("error"):
        return None
    ev = Evaluator(doc["key"])
    message = ev.value(spec["error"], "stock_update.error",
                       {"response": ev.context_value("response", response), "adapter": info(doc)})
    if not message:
        return None
    return parameter(message)


def pull_request(adapter: str | Mapping[str, Any], account: Mapping[str, Any], cursor: str | None,
                 page: int = 1, page_size: int | None = None, *, now: datetime | None = None) -> dict[str, Any]:
    """The request for ``page`` of the orders updated since ``cursor``.

    The answer also holds ``since`` and ``until``, the window asked for: pass
    ``until`` to ``pull_page`` so that the cursor can move past a quiet window.
    """
    doc = resolve(adapter)
    builder = RequestBuilder(doc, "pull", account, now)
    spec = builder.spec
    since, until = window(doc["key"], spec, cursor, builder.now)
    size = page_size or spec.get("page_size", DEFAULT_PAGE_SIZE)
    request = builder.build({"cursor": cursor or None, "since": since, "until": until,
                             "page": page, "page_size": size})
    return {**request, "since": since, "until": until, "page": page, "page_size": size}


def window(key: str, spec: Mapping[str, Any], cursor: str | None, now: datetime) -> tuple[str, str]:
    """``since`` is the cursor (or now minus the lookback); ``until`` is bounded by the window and the lag."""
    if cursor:
        try:
            start = datetime.fromisoformat(cursor)
        except ValueError:
            raise Evaluator(key).fail("cursor", _("%(cursor)s is not an ISO 8601 time") % {
                "cursor": repr(cursor)}) from None
        start = start if start.tzinfo else start.replace(tzinfo=UTC)
    else:
        start = now - timedelta(seconds=spec.get("lookback_seconds", DEFAULT_LOOKBACK))
    end = now - timedelta(seconds=spec.get("lag_seconds", 0))
    if spec.get("window_seconds"):
        end = min(end, start + timedelta(seconds=spec["window_seconds"]))
    return c.moment(start), c.moment(max(start, end))


def info(doc: Mapping[str, Any]) -> dict[str, Any]:
    return {"key": doc["key"], "currency": doc.get("currency", ""), "timezone": doc.get("timezone", "UTC")}


def parameter(value: Any) -> str | None:
    """A query, form or header value as text; none leaves the parameter out."""
    if value is None:
        return None
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Decimal):
        return decimal_text(value)
    if isinstance(value, dict | list):
        return json_text(value, limit=DEFAULT_LIMITS.max_output_chars)
    if isinstance(value, datetime):
        return c.moment(value) if value.tzinfo else value.isoformat()
    return str(value)


class RequestBuilder:
    def __init__(self, doc: Mapping[str, Any], section: str, account: Mapping[str, Any],
                 now: datetime | None):
        self.doc = doc
        self.section = section
        self.ev = Evaluator(doc["key"])
        spec = doc.get(section)
        if not spec:
            raise self.ev.fail(section, _("this adapter has no %(section)s section") % {"section": section})
        self.spec = spec
        self.now = (now or timezone.now()).astimezone(UTC)
        self.account = self.ev.context_value("account", {"base_url": "", "credentials": {}, **dict(account)})

    def params(self, name: str, context: Mapping[str, Any]) -> dict[str, str]:
        result = {}
        for key, source in self.spec.get(name, {}).items():
            path = f"{self.section}.{name}.{key}"
            try:
                value = parameter(self.ev.value(source, path, context))
            except ValueError as error:
                raise self.ev.fail(path, str(error), expression=source) from None
            if value is not None:
                result[key] = value
        return result

    def body(self, context: Mapping[str, Any]) -> tuple[str, str | None]:
        if "body" not in self.spec:
            return "", None
        path = f"{self.section}.body"
        rendered = self.ev.render(self.spec["body"], path, context)
        if rendered is None:
            return "", None
        if isinstance(rendered, str):
            return rendered, "text/plain; charset=utf-8"
        try:
            return json_text(rendered, limit=DEFAULT_LIMITS.max_output_chars), "application/json"
        except ValueError as error:
            raise self.ev.fail(path, str(error)) from None

    def build(self, values: Mapping[str, Any]) -> dict[str, Any]:
        context = {"account": self.account, "adapter": info(self.doc), "now": self.now, **values}
        base = str(self.account.get("base_url") or self.doc.get("base_url") or "").rstrip("/")
        if not base:
            raise self.ev.fail(f"{self.section}.path", _("no base URL: give the account a base_url"))
        path = self.ev.value(self.spec["path"], f"{self.section}.path", context)
        if not isinstance(path, str) or not path.startswith("/"):
            raise self.ev.fail(f"{self.section}.path", _("the path must be text starting with /, not %(value)s")
                               % {"value": repr(path)[:60]}, expression=self.spec["path"])
        query = self.params("query", context)
        headers = self.params("headers", context)
        form = self.params("form", context) if "form" in self.spec else None
        text, content_type = (urlencode(form, quote_via=quote), "application/x-www-form-urlencoded") \
            if form is not None else self.body(context)
        if "sign" in self.spec:
            sign = self.spec["sign"]
            value = parameter(self.ev.value(sign["value"], f"{self.section}.sign.value",
                                            {**context, "params": {**query, **(form or {})}, "body": text}))
            target = {"query": query, "form": form, "header": headers}[sign["in"]]
            if target is None:
                raise self.ev.fail(f"{self.section}.sign.in", _("the request has no form to sign into"))
            target[sign["name"]] = value or ""
            if form is not None:
                text = urlencode(form, quote_via=quote)
        body = text.encode()
        if content_type and not any(name.lower() == "content-type" for name in headers):
            headers["Content-Type"] = content_type
        if "signature" in self.spec:
            headers.update(self.signature(body))
        url = base + path + ("?" + urlencode(query, quote_via=quote) if query else "")
        return {"method": self.spec["method"], "url": url, "headers": headers, "body": body}

    def signature(self, body: bytes) -> dict[str, str]:
        """Headers of a verification mode's signature, e.g. Standard Webhooks for a shop's own site."""
        spec = self.spec["signature"]
        path = f"{self.section}.signature.secret"
        secret = self.ev.value(spec["secret"], path, {"account": self.account, "adapter": info(self.doc)})
        if not isinstance(secret, str) or not secret:
            raise self.ev.fail(path, _("the signing secret is missing"), expression=spec["secret"])
        timestamp = int(self.now.timestamp())
        delivery_id = "msg_" + hashlib.sha256(body + str(timestamp).encode()).hexdigest()[:32]
        options = {key: value for key, value in spec.items() if key not in ("mode", "secret")}
        try:
            return modes.get(spec["mode"]).sign(options, secret, body, delivery_id=delivery_id,
                                                timestamp=timestamp)
        except ValueError as error:
            raise self.ev.fail(path, str(error), expression=spec["secret"]) from None
