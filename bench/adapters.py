"""Channel payloads read per second by each adapter (to_order on its sample payloads).

Run: .venv/bin/python bench/adapters.py
An adapter runs once per delivery before the mapping and the upsert, so its
cost adds to every pushed or pulled order. The baseline is json.loads of the
same payloads in the same process: the ratio says how many times parsing the
JSON the adapter's expressions cost.
"""

import json
import os
import sys
import timeit
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.settings")

import django  # noqa: E402

django.setup()

from apps.connectors.adapters import all_adapters, get_adapter, to_order  # noqa: E402

SAMPLES = ROOT / "platform" / "adapters" / "samples"


def payloads(key: str) -> list[str]:
    return [p.read_text(encoding="utf-8") for p in sorted((SAMPLES / key).glob("*.json"))
            if not p.name.endswith(".expected.json") and not p.name.startswith("pull_")]


def per_second(function) -> float:
    runs, _ = timeit.Timer(function).autorange()
    best = min(timeit.repeat(function, number=runs, repeat=5))
    return runs / best


def main() -> None:
    print(f"{'adapter':<12} {'samples':>7} {'orders/s':>10} {'µs/order':>9} {'json.loads/s':>13} {'ratio':>6}")
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

        orders = per_second(read) * len(parsed)
        loads = per_second(parse) * len(texts)
        print(f"{doc['key']:<12} {len(texts):>7} {orders:>10,.0f} {1e6 / orders:>9.0f} {loads:>13,.0f} "
              f"{loads / orders:>6.0f}")


if __name__ == "__main__":
    main()
