"""Reading timestamps on PostgreSQL: psycopg's C loader (what careforce/core/db/postgresql/base.py registers on
a UTC connection) against Django's own loader (Python), in one run, alternating.

    DATABASE_URL=postgres://postgres@127.0.0.1:5432/cf_cost_bench CAREFORCE_ENV=development \\
        .venv/bin/python bench/timestamps.py --rows 1000 --runs 200

Each run reads `--rows` rows of the worker table's three timestamps (created, updated, verified) through a
Django cursor; the CPU time of this process is measured (the database's share is the same for both).
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=1000)
    parser.add_argument("--runs", type=int, default=200)
    args = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careforce.settings")
    import django

    django.setup()
    from django.db import connection
    from django.db.backends.postgresql.psycopg_any import register_tzloader

    from bench.common import machine

    sql = (
        f"SELECT created_at, updated_at, verified_at FROM registry_worker ORDER BY id DESC LIMIT {args.rows}"
    )

    def read(djangos: bool) -> float:
        with connection.cursor() as cursor:
            if djangos:
                register_tzloader(connection.timezone, cursor.cursor)  # what Django's own backend reads with
            started = time.process_time()
            cursor.execute(sql)
            rows = cursor.fetchall()
            spent = time.process_time() - started
        assert len(rows) == args.rows
        return spent

    figures: dict[bool, list[float]] = {True: [], False: []}
    for _ in range(10):
        read(True), read(False)
    for _ in range(args.runs):
        for djangos in (True, False):
            figures[djangos].append(read(djangos))
    c_ms, py_ms = (statistics.median(figures[k]) * 1000 for k in (False, True))
    print(
        f"{machine()}; load {os.getloadavg()[0]:.1f}; {args.rows:,} rows × 3 timestamps, {args.runs} runs each"
    )
    print(
        f"psycopg's C loader: median {c_ms:.2f} ms CPU; Django's loader: median {py_ms:.2f} ms; {py_ms / c_ms:.1f}×"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
