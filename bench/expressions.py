"""Evaluations per second for typical Weft expressions (compiled templates cached).

Run: .venv/bin/python bench/expressions.py
Formulas run on every record save and flow step, so a cached evaluation should
stay well under 50 µs.
"""

import sys
import timeit
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from apps.expressions import (
    evaluate_condition,
    evaluate_expression,
    evaluate_value,
    render_template,
)

CONTEXT = {
    "record": {
        "qty": 3,
        "status": "paid",
        "total": Decimal("612.40"),
        "customer": {"name": "Ada", "email": "ada@example.com"},
        "lines": [
            {"sku": f"SKU-{i}", "qty": i % 3 + 1, "price": Decimal("9.99")} for i in range(20)
        ],
    },
    "item": {"price": Decimal("19.99")},
}

CASES = [
    ("value", evaluate_value, "{{ record.qty * item.price }}"),
    ("value (literal)", evaluate_value, "Free shipping"),
    (
        "value (text)",
        evaluate_value,
        "Order for {{ record.customer.name }}: {{ record.total|money }}",
    ),
    ("expression", evaluate_expression, "record.qty * item.price + 0.5"),
    ("condition", evaluate_condition, "record.status == 'paid' and record.total > 500"),
    ("sum of 20 lines", evaluate_expression, "record.lines|sum('price')|money"),
    (
        "template (20-line loop)",
        render_template,
        "{% for l in record.lines %}{{ l.sku }} x{{ l.qty }}\n{% endfor %}",
    ),
]


def main() -> None:
    for label, function, source in CASES:
        function(source, CONTEXT)  # compile once, as in production
        runs, seconds = timeit.Timer(lambda f=function, s=source: f(s, CONTEXT)).autorange()
        best = min(timeit.repeat(lambda f=function, s=source: f(s, CONTEXT), number=runs, repeat=5))
        per_call = best / runs
        print(
            f"{label:26} {1 / per_call:>12,.0f} evals/s {per_call * 1e6:8.1f} µs   {source[:50]!r}"
        )


if __name__ == "__main__":
    main()
