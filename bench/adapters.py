"""What a channel adapter costs: payloads read per second, and deliveries processed with and without one.

Run: .venv/bin/python bench/adapters.py   (DATABASE_URL=postgres://... for PostgreSQL)
An adapter runs once per delivery before the mapping and the upsert, so its
cost adds to every pushed or pulled order. Part 1 reads each channel's sample
payloads with ``to_order``, against ``json.loads`` of the same text. Part 2
processes the same own-website orders in this process twice: through the
``website`` adapter and the README's mapping of ``order``, and with the same
mapping written over the raw ``body`` (no adapter) as the baseline.
"""

import copy
import json
import sys
import time
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent
sys.path.insert(0, str(ROOT))

import _support as sup  # noqa: E402

DB = sup.setup_django()

from apps.connectors.adapters import all_adapters, get_adapter, to_order  # noqa: E402

SAMPLES = ROOT.parent / "platform" / "adapters" / "samples"
EXAMPLES = ROOT.parent / "examples"
ORDERS = 2000


def payloads(key: str) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((SAMPLES / key).glob("*.json"))
            if not p.name.endswith(".expected.json") and not p.name.startswith("pull_")]


def per_second(function) -> float:
    runs, _ = timeit.Timer(function).autorange()
    best = min(timeit.repeat(function, number=runs, repeat=5))
    return runs / best


def reading() -> None:
    rows = []
    for doc in all_adapters():
        texts = payloads(doc["key"])
        if not texts:
            continue
        adapter = get_adapter(doc["key"])
        parsed = [json.loads(t) for t in texts]
        for payload in parsed:
            to_order(adapter, payload)  # compile the expressions once, as a worker does

        def read(parsed=parsed, adapter=adapter):
            for payload in parsed:
                to_order(adapter, payload)

        def parse(texts=texts):
            for text in texts:
                json.loads(text)

        orders, loads = per_second(read) * len(parsed), per_second(parse) * len(texts)
        rows.append((doc["key"], len(texts), sup.fmt_rate(orders), f"{1e6 / orders:.0f}", sup.fmt_rate(loads),
                     f"{loads / orders:.0f}"))
    sup.print_table("1. Channel payloads read by to_order (this process, compiled expressions cached)",
                    ["adapter", "samples", "orders/s", "µs/order", "json.loads/s", "ratio"], rows)


def processing() -> None:
    from django.contrib.auth import get_user_model

    from apps.accounts.models import Member
    from apps.accounts.services import create_workspace
    from apps.connectors.inbound.endpoints import create_endpoint
    from apps.connectors.inbound.intake import store
    from apps.connectors.inbound.processing import process_pending
    from apps.connectors.models import Delivery
    from apps.forms.services.forms import create_form

    user = get_user_model().objects.create_user(username="bench-owner", password=None)
    workspace = create_workspace("Bench shop", user, slug="bench")
    member = Member.objects.get(workspace=workspace, user=user)
    create_form(workspace, json.loads((EXAMPLES / "orders.form.json").read_text()), member=member)
    example = json.loads((EXAMPLES / "channel_orders.endpoint.json").read_text())
    raw_mapping = {key: source.replace("order.order_id", "body.data.order_id").replace("order.", "body.data.")
                   .replace("order['items']", "body.data['items']") for key, source in example["mapping"].items()}
    raw_mapping.update({"platform": "website", "status_rank": "20", "refunded": "0"})
    variants = [("website adapter, mapping of order", {**example, "key": "with-adapter", "adapter": "website"}),
                ("no adapter, same mapping of body (baseline)",
                 {**example, "key": "without-adapter", "adapter": "", "mapping": raw_mapping,
                  "verification": {"mode": "standard_webhooks"}})]
    sample = json.loads((SAMPLES / "website" / "paid.json").read_text(encoding="utf-8"))
    rows, rates = [], []
    for label, definition in variants:
        endpoint = create_endpoint(workspace, definition, member=member)
        for n in range(ORDERS):
            body = copy.deepcopy(sample)
            body["data"]["order_id"] = f"{endpoint.key}-{n}"
            store(workspace.pk, endpoint.pk, f"{endpoint.key}-{n}", {}, json.dumps(body, ensure_ascii=False))
        started = time.perf_counter()
        process_pending()
        seconds = time.perf_counter() - started
        done = Delivery.objects.filter(endpoint=endpoint, status="processed").count()
        failed = Delivery.objects.filter(endpoint=endpoint).exclude(status="processed").first()
        if failed is not None:
            raise SystemExit(f"{label}: a delivery was not processed: {failed.status} {failed.error}")
        rates.append(done / seconds)
        rows.append((label, done, f"{seconds:.2f}", sup.fmt_rate(done / seconds)))
    sup.print_table(f"2. Processing {ORDERS} own-website orders in this process ({DB.vendor})",
                    ["path", "processed", "seconds", "processed/s"], rows)
    print(f"  the adapter path runs at {rates[0] / rates[1]:.0%} of the baseline's rate")


def main() -> None:
    reading()
    processing()


if __name__ == "__main__":
    main()
