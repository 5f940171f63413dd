"""Incentives benchmark (PostgreSQL): eligibility runs of four schemes over N workers, the payment batch,
and the batch's xlsx export.

    nice -n 10 python bench/incentives.py --workers 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/cf_incentives_bench

Workers come from bench/registry.py's COPY path (the registry's own value-building functions). Every worker
gets an open-ended labour contract in one INSERT … SELECT (no audit rows: the runs do not read them), so the
contract condition has something to join. Each scheme asks for the conditions a real one does (contract
term, continuous service, dishonesty list, 事业编制). Timed: each run (services.run_eligibility: one
INSERT … SELECT), approve_all (one UPDATE), pay (one INSERT … SELECT … ON CONFLICT DO NOTHING) of the
largest run, and the export of that batch (sheets.batch_book, constant-memory writer).
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_postgres_database, machine, setup_django


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=100_000)
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    ensure_postgres_database(args.database_url, recreate=args.fresh)
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.db import connection

    from bench.registry import generate_copy
    from careforce.incentives import services, sheets
    from careforce.incentives.models import LabourContract, Scheme
    from careforce.registry import demo
    from careforce.registry.models import Worker

    print(f"machine: {machine()}")
    call_command("migrate", verbosity=0)
    if Worker.objects.count() == 0:
        started = time.monotonic()
        generate_copy(
            workers=args.workers, institutions=max(900, args.workers // 200), seed=2026, jobs=args.jobs
        )
        print(f"generated {args.workers:,} workers in {time.monotonic() - started:.0f} s")
    if not LabourContract.objects.exists():
        with connection.cursor() as cursor:
            cursor.execute(
                "INSERT INTO incentives_labourcontract (worker_id, institution_id, contract_type, start_date, "
                "end_date, term_months, created_at) SELECT id, institution_id, 'open_ended', DATE '2020-01-01', "
                "NULL, NULL, now() FROM registry_worker WHERE institution_id IS NOT NULL"
            )
            cursor.execute("ANALYZE")
    workers = Worker.objects.filter(is_active=True, institution__isnull=False).count()
    actor = demo.system_actor()
    start = datetime.date(2024, 1, 1)
    suffix = f"-{Scheme.objects.count()}"  # a new set of schemes each time: runs keep theirs
    specs = [
        (
            "bench-entry",
            "entry",
            {"senior_high": 30000, "college": 40000, "bachelor": 50000},
            [[1, 30], [2, 30], [3, 40]],
        ),
        ("bench-post", "monthly_post", {"*": 500}, []),
        ("bench-skill", "one_off_skill", {"*": 1000}, []),
        ("bench-training", "training", {"*": 300}, []),
    ]
    runs = []
    total = 0.0
    for code, kind, amounts, tranches in specs:
        scheme = services.scheme_create(
            actor=actor,
            data={
                "code": code + suffix,
                "name": code + suffix,
                "kind": kind,
                "amounts": amounts,
                "tranches": tranches,
                "starts_on": start,
                "notice_days": 0,
                "min_contract_years": 1,
                "min_continuous_years": 1,
                "exclude_public_institution": True,
            },
        )
        started = time.monotonic()
        run = services.run_eligibility(actor=actor, scheme=scheme, period="2026-11")
        seconds = time.monotonic() - started
        total += seconds
        runs.append(run)
        print(f"run {code:<16} {run.considered:>9,} assessed {run.qualified:>9,} qualify  {seconds:6.1f} s")
    print(f"four runs over {workers:,} current workers: {total:.1f} s")
    run = max(runs, key=lambda r: r.qualified)
    started = time.monotonic()
    services.approve_all(actor=actor, run=run)
    print(f"approve_all ({run.qualified:,}): {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    batch = services.pay(actor=actor, run=run)
    print(f"pay: {batch.paid_count:,} payments in {time.monotonic() - started:.1f} s")
    started = time.monotonic()
    out = sheets.batch_book(actor, batch)
    size = out.seek(0, 2)
    print(f"export {batch.paid_count:,} rows: {time.monotonic() - started:.1f} s ({size / 1e6:.1f} MB)")
    started = time.monotonic()
    again = services.pay(actor=actor, run=run)
    print(
        f"pay again: {again.paid_count:,} paid, {again.skipped_count:,} skipped in {time.monotonic() - started:.1f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
