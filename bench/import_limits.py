"""Cost of the hostile-spreadsheet defences on a real roster (docs/benchmarks.md, "Import limits").

    CAREFORCE_ENV=development .venv/bin/python bench/import_limits.py --rows 1000000

Generates (or reuses) the import benchmark's roster (bench/import.py: 13 columns, xlsx as xlsxwriter writes a
big file, GBK CSV), then measures in this process:
  - limits: streaming the xlsx's sheet XML and measuring it (careforce/imports/limits.py), wall time and how
    much the process's peak RSS grew during it — the sheet is never held unpacked;
  - encrypt / decrypt: AES-256-GCM of the CSV's bytes as stored (careforce/imports/files.py);
  - child: reading the rows in the parsing child and handing them over (careforce/imports/ahead.py),
    against reading them in process, for the xlsx (what imports do) and the CSV (read in process).
"""

from __future__ import annotations

import argparse
import importlib.util
import os
import resource
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CAREFORCE_ENV", "development")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careforce.settings")


def _roster_files(rows: int) -> dict[str, Path]:
    spec = importlib.util.spec_from_file_location("bench_import", ROOT / "bench" / "import.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module.make_files(rows)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    import django

    django.setup()
    from careforce.core import crypto
    from careforce.imports import ahead, limits
    from careforce.imports.readers import open_rows

    paths = _roster_files(args.rows)
    xlsx = paths["xlsx"].read_bytes()
    before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    started = time.perf_counter()
    size = limits.check_xlsx_sheets(xlsx)["xl/worksheets/sheet1.xml"]
    seconds = time.perf_counter() - started
    grown = (resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - before) / 1024
    print(
        f"limits  {args.rows:,} rows xlsx ({len(xlsx) / 2**20:.0f} MB packed): {seconds:.1f} s, "
        f"peak RSS +{grown:.0f} MB; measured {size.rows:,} rows × {size.columns} columns, "
        f"{size.cells:,} cells"
    )

    csv = paths["csv"].read_bytes()
    started = time.perf_counter()
    sealed = crypto.encrypt_bytes(csv, context=b"bench")
    middle = time.perf_counter()
    assert crypto.decrypt_bytes(sealed, context=b"bench") == csv
    done = time.perf_counter()
    print(
        f"aes-gcm {len(csv) / 2**20:.0f} MB CSV: encrypt {middle - started:.2f} s, decrypt {done - middle:.2f} s"
    )

    def batches(name: str, data: bytes, fmt: str):
        opened = open_rows(name, data, fmt)
        batch = []
        for row in opened.rows:
            batch.append(row)
            if len(batch) >= 5000:
                yield batch
                batch = []
        yield batch

    for fmt, data in (("xlsx", xlsx), ("csv", csv)):
        for label in ("in process", "child"):
            rows = batches(f"roster.{fmt}", data, fmt)
            if label == "child":
                rows = ahead.run_ahead(rows, memory_limit=2**31)
            started = time.perf_counter()
            count = sum(len(batch) for batch in rows)
            print(f"read {fmt} {label}: {count:,} rows in {time.perf_counter() - started:.1f} s")


if __name__ == "__main__":
    main()
