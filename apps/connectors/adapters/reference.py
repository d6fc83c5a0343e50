"""The ``adapters.md`` reference page: the canonical order, the adapter document, the built-in channels."""

from __future__ import annotations

from django.utils import translation

from . import canonical as c
from .documents import all_adapters

INTRO = """# Channel adapters

A channel adapter is a JSON document (`platform/adapters/<key>.json`, schema
`platform/schemas/adapter.schema.json`) that says how one sales channel's order payloads become the
canonical order, how available stock is pushed back to the channel and, for channels without
webhooks, how orders are pulled. A new channel is a new document; workspaces can write their own.
Every value in a document is a Weft expression (`expressions.md`).

## The canonical order

```
{"channel": "<adapter key>", "order_id": "<the channel's order number>",
 "status": "paid", "status_rank": 20, "channel_status": "<the channel's own code>",
 "currency": "CNY", "total": "358.00", "paid_amount": "358.00", "discount": "40.00",
 "shipping_fee": "0.00", "refunded_amount": "0.00",
 "created_at": "2026-11-10T16:00:05Z", "paid_at": "2026-11-10T16:00:41Z", "updated_at": "2026-11-10T16:00:42Z",
 "buyer": {"id": "", "name": ""},
 "shipping": {"name": "", "phone": "", "province": "", "city": "", "district": "", "address": ""},
 "items": [{"line_id": "", "sku": "", "title": "", "quantity": 2, "price": "99.00", "amount": "178.00"}],
 "refunds": [{"refund_id": "", "amount": "180.00", "status": "succeeded", "reason": "", "created_at": null}]}
```

- Amounts are exact decimal text with two places, in major units (yuan, dollars), never negative;
  an absent amount is `"0.00"`. A value with more places is refused, not rounded.
- Moments are ISO 8601 in UTC ending in `Z`; `paid_at` and a refund's `created_at` may be null.
- `total` is what the buyer owes for the order (goods less discounts plus shipping); `paid_amount`
  what has been paid; `refunded_amount`, unless the document maps it, the sum of succeeded refunds.
- An item's `amount` is the line's total after line discounts; without one it is `price × quantity`.
- Text fields may be empty; ids may not.
"""

DOCUMENT = """## The document

| entry | what it holds |
| --- | --- |
| `key`, `name`, `description`, `version` | identity; `description` states the payload shapes read |
| `currency`, `timezone` | defaults: the currency when `order.fields.currency` is absent; `adapter.timezone` in expressions |
| `base_url` | the API's base URL when the account gives none |
| `hosts` | the hosts the channel's API lives on (`*.` for any sub-domain): a `base_url` elsewhere needs the secret credentials entered again |
| `credentials` | each credential an account gives (`account.credentials.<name>`): `{"secret": true}` ones are stored encrypted and never shown (see secrets.md) |
| `intake.modes` | `push`, `pull` or both |
| `intake.verification` | the recommended verification of the push endpoint: `{"mode": ..., <options>}` |
| `event_id` | optional: the id of this delivery inside the payload |
| `order.root` | optional: where the order object is in a pushed payload (`{{ payload.trade }}`) |
| `order.fields` | one expression per canonical field; `buyer` and `shipping` are objects of expressions |
| `order.status` | `from` (the channel's code), `map` (code → status), `rules` (`[{when, status}]`, tried first) |
| `order.items`, `order.refunds` | `from` (a list in the payload), `when` (a condition to keep an element), `fields`; refunds also `status` |
| `stock_update` | the request that sets one SKU's available stock |
| `pull` | the request for one page of orders updated since the cursor, and how to read the answer |

What expressions see:

- in `order`: `payload` (the delivery), `order` (the order object), `adapter` (`key`, `currency`,
  `timezone`); in `items` also `item` and `index`, in `refunds` `refund` and `index`; in status rules
  also `code`. Pulled orders are read with `order` and `payload` both the page's element.
- in `stock_update`: `account` (`base_url`, `credentials`), `sku`, `quantity`, `listing` (the
  channel's own ids of the SKU, such as Shopify's `inventory_item_id`), `now` (UTC), `adapter`.
- in `pull`: `account`, `cursor`, `since`, `until` (the window asked for, ISO text), `page`,
  `page_size`, `now`, `adapter`; `orders`, `has_more` and `error` see `response`, `page` and `page_size`.
- in `sign.value`: also `params` (query and form before signing) and `body` (the body text).

A request has `method`, `path` (after the base URL), `query`, `headers`, and a body: `form` (URL-encoded
fields) or `body` (a JSON template, or one expression giving text). `sign` adds a computed parameter
(`in`: query, form or header); `signature` signs the body with a verification mode (`mode`, `secret`).
`error` gives the channel's own error message in an answer, or none. In pulls, `window_seconds` caps
the window, `lag_seconds` keeps it behind the channel's clock and `lookback_seconds` sets where a first
pull starts; once the last page of a window is stored, the cursor moves to the window's end.

Filters made for channels: `fen_to_yuan` / `from_minor(places)`, `yuan_to_fen` / `to_minor(places)`,
`to_utc(zone)`, `in_timezone(zone)`, `unix`, `md5`, `sha256`, `hmac(key, algorithm)`,
`compact_json(sort_keys)`, `b64encode`.
"""


def adapters_reference() -> str:
    lines = [INTRO, "Statuses and their ranks (a later stage has a higher rank):", "",
             "| status | rank |", "| --- | --- |"]
    lines += [f"| `{status}` | {rank} |" for status, rank in c.STATUS_RANKS.items()]
    lines += ["", "Refund statuses: " + ", ".join(f"`{s}`" for s in c.REFUND_STATUSES) + ".", "", DOCUMENT,
              "## Built-in adapters", "", "| key | name | intake | verification | currency | time zone |",
              "| --- | --- | --- | --- | --- | --- |"]
    with translation.override("en"):
        for doc in all_adapters():
            name = doc["name"]["en"] if isinstance(doc["name"], dict) else doc["name"]
            verification = doc["intake"].get("verification", {}).get("mode", "")
            lines.append(f"| `{doc['key']}` | {name} | {', '.join(doc['intake']['modes'])} | "
                         f"{f'`{verification}`' if verification else '-'} | {doc['currency']} | {doc['timezone']} |")
    lines.append("")
    for doc in all_adapters():
        lines += [f"### `{doc['key']}`", "", doc.get("description", ""), ""]
    return "\n".join(lines)
