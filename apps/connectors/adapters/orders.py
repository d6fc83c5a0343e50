"""Reading a channel's order payload into the canonical order, as its adapter document says.

Expressions see ``payload`` (the delivery as received), ``order`` (the order
object, ``order.root`` of the payload or the payload itself), ``adapter``
(``key``, ``currency``, ``timezone``) and, in lists, ``item`` or ``refund``
with ``index``. Every value goes through the canonical normalisers, so an
adapter cannot produce a float, a local time or an unknown status.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from . import canonical as c
from .documents import resolve
from .evaluation import Evaluator


def to_order(adapter: str | Mapping[str, Any], payload: Any) -> dict[str, Any]:
    """The canonical order of one pushed payload (a built-in adapter key or a document).

    A document given as a dict is used as it is: validate it with
    ``validate_adapter`` when it is saved. Raises AdapterError.
    """
    reader = OrderReader(resolve(adapter))
    data = reader.ev.context_value("payload", payload)
    return reader.read(reader.root(data), data)


def order_id_of(adapter: str | Mapping[str, Any], payload: Any) -> str:
    """Only the channel's order number: enough to route or deduplicate before a full read."""
    reader = OrderReader(resolve(adapter))
    data = reader.ev.context_value("payload", payload)
    order = reader.root(data)
    source = reader.doc["order"]["fields"]["order_id"]
    return reader.field(source, "order.fields.order_id", "id", reader.context(order, data), required=True)


def event_id_of(adapter: str | Mapping[str, Any], payload: Any) -> str | None:
    """The id the channel gives this delivery inside the payload, when its document says where."""
    doc = resolve(adapter)
    if not doc.get("event_id"):
        return None
    reader = OrderReader(doc)
    data = reader.ev.context_value("payload", payload)
    value = reader.ev.value(doc["event_id"], "event_id", {"payload": data, "adapter": reader.info})
    try:
        return c.text(value) or None
    except c.Unfit as error:
        raise reader.ev.fail("event_id", str(error), expression=doc["event_id"]) from None


class OrderReader:
    """Applies one document's ``order`` section; shared by pushes and pulled pages."""

    def __init__(self, doc: Mapping[str, Any]):
        self.doc = doc
        self.section = doc["order"]
        self.ev = Evaluator(doc["key"])
        self.info = {"key": doc["key"], "currency": doc.get("currency", ""),
                     "timezone": doc.get("timezone", "UTC")}

    def context(self, order: Any, payload: Any) -> dict[str, Any]:
        return {"payload": payload, "order": order, "adapter": self.info}

    def root(self, payload: Any) -> Any:
        source = self.section.get("root")
        order = payload if source is None else self.ev.value(
            source, "order.root", {"payload": payload, "adapter": self.info})
        if not isinstance(order, dict):
            raise self.ev.fail("order.root" if source else "payload",
                               _("the order must be an object, not %(value)s") % {
                                   "value": type(order).__name__},
                               expression=source)
        return order

    def field(self, source: Any, path: str, kind: str, context: Mapping[str, Any], *,
              required: bool = False, where: str | None = None) -> Any:
        value = self.ev.value(source, path, context, where=where)
        try:
            result = c.NORMALISERS[kind](value)
        except c.Unfit as error:
            raise self.ev.fail(path, str(error), expression=source, where=where) from None
        if required and result is None:
            raise self.ev.fail(path, _("a value is required, got none"), expression=source, where=where)
        return result

    def fields(self, specs: Mapping[str, Any], kinds: Mapping[str, str], required: tuple[str, ...],
               path: str, context: Mapping[str, Any], where: str | None = None) -> dict[str, Any]:
        values: dict[str, Any] = {}
        for name in required:
            if name not in specs:
                raise self.ev.fail(f"{path}.{name}", _("the document does not map this required field"))
        for name, kind in kinds.items():
            if name in specs:
                values[name] = self.field(specs[name], f"{path}.{name}", kind, context,
                                          required=name in required, where=where)
        return values

    def status(self, spec: Mapping[str, Any], path: str, context: Mapping[str, Any],
               where: str | None = None) -> tuple[str, str]:
        value = self.ev.value(spec["from"], f"{path}.from", context, where=where)
        try:
            code = "" if value is None else c.status_code(value)
        except c.Unfit as error:
            raise self.ev.fail(f"{path}.from", str(error), expression=spec["from"], where=where) from None
        scope = {**context, "code": code}
        for index, rule in enumerate(spec.get("rules", [])):
            if self.ev.condition(rule["when"], f"{path}.rules[{index}].when", scope, where=where):
                return rule["status"], code
        mapped = spec["map"].get(code)
        if mapped is None:
            raise self.ev.fail(f"{path}.map", _("unknown status code %(code)s from %(source)s; known codes: %(known)s") % {
                "code": repr(code), "source": spec["from"], "known": ", ".join(spec["map"]) or "-"},
                expression=spec["from"], where=where, extra={"value": code})
        return mapped, code

    def elements(self, spec: Mapping[str, Any], path: str, name: str,
                 context: Mapping[str, Any]) -> list[tuple[str, dict[str, Any]]]:
        """The payload's list elements a list section reads, each with its scope."""
        found = self.ev.value(spec["from"], f"{path}.from", context)
        if found is None:
            return []
        if not isinstance(found, list):
            raise self.ev.fail(f"{path}.from", _("must give a list, not %(value)s") % {
                "value": type(found).__name__}, expression=spec["from"])
        result = []
        for index, element in enumerate(found):
            where = _("%(name)s %(n)s of the payload") % {"name": name, "n": index + 1}
            scope = {**context, name: element, "index": index}
            if "when" in spec and not self.ev.condition(spec["when"], f"{path}.when", scope, where=where):
                continue
            result.append((where, scope))
        return result

    def items(self, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        spec = self.section["items"]
        lines = []
        for where, scope in self.elements(spec, "order.items", "item", context):
            values = self.fields(spec["fields"], c.ITEM_FIELDS, c.REQUIRED_ITEM_FIELDS,
                                 "order.items.fields", scope, where)
            if "amount" not in values:
                values["amount"] = c.money(Decimal(values["price"]) * values["quantity"])
            lines.append({name: values.get(name, "") for name in c.ITEM_FIELDS})
        return lines

    def refunds(self, context: Mapping[str, Any]) -> list[dict[str, Any]]:
        spec = self.section.get("refunds")
        if not spec:
            return []
        refunds = []
        for where, scope in self.elements(spec, "order.refunds", "refund", context):
            values = self.fields(spec["fields"], c.REFUND_FIELDS, c.REQUIRED_REFUND_FIELDS,
                                 "order.refunds.fields", scope, where)
            status = "succeeded"
            if "status" in spec:
                status, _code = self.status(spec["status"], "order.refunds.status", scope, where)
            refunds.append({"refund_id": values["refund_id"], "amount": values["amount"], "status": status,
                            "reason": values.get("reason", ""), "created_at": values.get("created_at")})
        return refunds

    def read(self, order: Any, payload: Any) -> dict[str, Any]:
        context = self.context(order, payload)
        specs = self.section["fields"]
        values = self.fields(specs, c.ORDER_FIELDS, c.REQUIRED_ORDER_FIELDS, "order.fields", context)
        status, code = self.status(self.section["status"], "order.status", context)
        items = self.items(context)
        refunds = self.refunds(context)
        if "refunded_amount" not in values:
            refunded = sum((Decimal(r["amount"]) for r in refunds if r["status"] == "succeeded"), Decimal(0))
            values["refunded_amount"] = c.money(refunded)
        if "currency" not in values:
            values["currency"] = c.currency(self.doc.get("currency", ""))
        return {
            "channel": self.doc["key"],
            "order_id": values["order_id"],
            "status": status,
            "status_rank": c.STATUS_RANKS[status],
            "channel_status": code,
            "currency": values["currency"],
            **{name: values.get(name, c.ZERO) for name in
               ("total", "paid_amount", "discount", "shipping_fee", "refunded_amount")},
            "created_at": values["created_at"],
            "paid_at": values.get("paid_at"),
            "updated_at": values["updated_at"],
            "buyer": self.fields_of("buyer", c.BUYER_FIELDS, context),
            "shipping": self.fields_of("shipping", c.SHIPPING_FIELDS, context),
            "items": items,
            "refunds": refunds,
        }

    def fields_of(self, group: str, names: tuple[str, ...], context: Mapping[str, Any]) -> dict[str, str]:
        specs = self.section["fields"].get(group, {})
        return {name: self.field(specs[name], f"order.fields.{group}.{name}", "text", context)
                if name in specs else "" for name in names}
