"""CSV import throughput and peak memory on a generated file, in a throw-away database.

    .venv/bin/python bench/csv_import.py [--rows 100000] [--profile]
    DATABASE_URL=postgres://postgres@127.0.0.1:5432/test .venv/bin/python bench/csv_import.py

Two imports of the same file into two fresh forms: one timed (rows/s), one under
tracemalloc (peak bytes), because tracing slows Python down several times.
"""

from __future__ import annotations

import argparse
import cProfile
import os
import pstats
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "apps.settings")
os.environ.setdefault("DEBUG", "0")
os.environ.setdefault("SECRET_KEY", "bench")

import django

django.setup()

from django.db import connection  # noqa: E402
from django.test.utils import setup_test_environment  # noqa: E402

FIELDS = [
    {"key": "sku", "type": "text", "required": True, "label": {"en": "SKU", "zh-hans": "商品编码"}},
    {"key": "name", "type": "text"},
    {"key": "qty", "type": "integer", "min": 1},
    {"key": "price", "type": "decimal", "decimal_places": 2},
    {"key": "note", "type": "textarea"},
]


def write_file(path: Path, rows: int) -> int:
    with path.open("w", encoding="utf-8", newline="") as out:
        out.write("sku,name,qty,price,note\n")
        for i in range(rows):
            out.write(f"SKU-{i:07d},Product {i:07d},{i % 97 + 1},{i % 1000}.50,imported with the nightly batch\n")
    return path.stat().st_size


def run(path: Path, key: str, *, trace: bool, profile: bool) -> tuple[float, int, int]:
    from apps.forms.services.csv_import import import_csv, open_csv
    from tests.factories import make

    workspace = make.workspace()
    form = make.form(workspace, FIELDS, key=key, unique_key=["sku"])
    member = make.owner(workspace)
    profiler = cProfile.Profile() if profile else None
    if trace:
        tracemalloc.start()
    started = time.perf_counter()
    with path.open("rb") as binary:
        if profiler:
            profiler.enable()
        result = import_csv(form, open_csv(binary), member=member)
        if profiler:
            profiler.disable()
    elapsed = time.perf_counter() - started
    peak = tracemalloc.get_traced_memory()[1] if trace else 0
    if trace:
        tracemalloc.stop()
    if profiler:
        pstats.Stats(profiler).sort_stats("cumulative").print_stats(30)
    return elapsed, result.created, peak


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--profile", action="store_true")
    args = parser.parse_args()
    setup_test_environment()
    connection.settings_dict.setdefault("TEST", {})["NAME"] = (
        str(Path(tempfile.gettempdir()) / "weft-bench-csv.sqlite3") if connection.vendor == "sqlite"
        else "weft_bench_csv")
    old_name = connection.settings_dict["NAME"]
    connection.creation.create_test_db(verbosity=0, autoclobber=True, serialize=False)
    try:
        with tempfile.TemporaryDirectory() as tmp:
            path = Path(tmp) / "bench.csv"
            size = write_file(path, args.rows)
            elapsed, created, _peak = run(path, "timed", trace=False, profile=args.profile)
            print(f"{connection.vendor}: {created} rows, {size / 2**20:.1f} MB file, "
                  f"{elapsed:.1f} s, {created / elapsed:,.0f} rows/s")
            elapsed, created, peak = run(path, "traced", trace=True, profile=False)
            print(f"{connection.vendor}: peak traced memory {peak / 2**20:.1f} MB "
                  f"({elapsed:.1f} s under tracemalloc)")
    finally:
        connection.creation.destroy_test_db(old_name, verbosity=0)


if __name__ == "__main__":
    main()
