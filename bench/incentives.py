"""Incentives benchmark (PostgreSQL): eligibility runs of four schemes over N workers, the payment batch,
and the batch's xlsx export.

    nice -n 10 python bench/incentives.py --workers 100000 \
        --database-url postgres://postgres@127.0.0.1:5432/cf_incentives_bench

Against an existing registry (a clone of a generated base: workers and employments already there), leave
--workers out: nothing is generated, only the incentive data below is added once.

Workers come from bench/registry.py's COPY path (the registry's own value-building functions). Added
set-based (INSERT … SELECT, no audit rows: the runs do not read them): a labour contract per placed worker
(1 in 20 a public-institution post, 1 in 7 a three-year fixed-term contract, the rest open-ended), a valid
certificate for one worker in three (levels 初级 to 技师, from one evaluation body registered through the
skills service), and a dishonesty listing in force for one worker in 500. Each scheme asks for the
conditions a real one does (contract term, continuous service, dishonesty list, 事业编制). Timed: the four
runs together (services.run_eligibility_many: the workers' facts once into a temporary table, then one
INSERT … SELECT per scheme; `--one-at-a-time`: services.run_eligibility per scheme), approve_all (one UPDATE), pay (one INSERT … SELECT … ON
CONFLICT DO NOTHING) of the largest run, and the export of that batch (sheets.batch_book, Rust writer);
`--export-rows N` also pays and exports a batch of N rows (a monthly run limited to the first N workers).
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_postgres_database, machine, setup_django


def add_incentive_data(*, actor) -> None:
    """Contracts, certificates and dishonesty listings for the registry's workers, set-based."""
    import datetime as dt

    from django.db import connection

    from careforce.core.synthetic import credit_code
    from careforce.credit.models import DishonestyListing
    from careforce.incentives.models import LabourContract
    from careforce.skills import services as skills_services
    from careforce.skills.models import Certificate, EvaluationBody

    body = EvaluationBody.objects.filter(registration_number="Y0000509999").first()
    if body is None:
        body = skills_services.evaluation_body_register(
            actor=actor,
            data={
                "name": "重庆市职业技能评价中心（基准）",
                "uscc": credit_code(random.Random(7), region="500000"),
                "registration_number": "Y0000509999",
                "registered_on": dt.date(2021, 1, 1),
                "district": "500103",
            },
        )
        skills_services.evaluation_range_set(
            actor=actor, body=body, occupation="care_worker", lowest="junior", highest="technician"
        )
    with connection.cursor() as cursor:
        if not LabourContract.objects.exists():
            cursor.execute(
                "INSERT INTO incentives_labourcontract (worker_id, institution_id, contract_type, start_date, "
                "end_date, term_months, created_at) SELECT id, institution_id, "
                "CASE WHEN id % 20 = 0 THEN 'public_institution' WHEN id % 7 = 0 THEN 'fixed_term' "
                "ELSE 'open_ended' END, DATE '2025-01-01', "
                "CASE WHEN id % 20 <> 0 AND id % 7 = 0 THEN DATE '2027-12-31' END, "
                "CASE WHEN id % 20 <> 0 AND id % 7 = 0 THEN 36 END, now() "
                "FROM registry_worker WHERE institution_id IS NOT NULL"
            )
        if not Certificate.objects.exists():
            cursor.execute(
                "INSERT INTO skills_certificate (number, number_key, worker_id, occupation_id, level_id, issuer_id, "
                "issued_on, status, revoke_reason, suspend_reason, verification, created_at) "
                "SELECT 'B' || w.id, 'B' || w.id, w.id, o.id, l.id, %s, DATE '2024-06-01', 'valid', '', '', "
                "'self_reported', now() FROM registry_worker w "
                "JOIN registry_occupation o ON o.code = 'care_worker' "
                "JOIN skills_skilllevel l ON l.rank = 2 + (w.id / 3) %% 4 WHERE w.id %% 3 = 0",
                [body.pk],
            )
        if not DishonestyListing.objects.exists():
            cursor.execute(
                "INSERT INTO credit_dishonestylisting (worker_id, district_id, situation_id, deciding_body, "
                "decision_number, facts, start_date, removal_reason, created_at) "
                "SELECT w.id, w.district_id, (SELECT min(id) FROM credit_dishonestysituation), '区民政局', '', '', "
                "DATE '2026-01-01', '', now() FROM registry_worker w WHERE w.id % 500 = 0"
            )
        cursor.execute("ANALYZE")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=0, help="generate this many if the database has none")
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fresh", action="store_true")
    parser.add_argument("--export-rows", type=int, default=0, help="export a batch of this many rows")
    parser.add_argument(
        "--one-at-a-time",
        action="store_true",
        help="run the schemes one by one (services.run_eligibility) instead of in one run_eligibility_many",
    )
    parser.add_argument(
        "--no-full-batch", action="store_true", help="skip approving and paying the largest run"
    )
    args = parser.parse_args()
    ensure_postgres_database(args.database_url, recreate=args.fresh)
    setup_django(args.database_url)

    from django.core.management import call_command

    from bench.registry import generate_copy
    from careforce.incentives import services, sheets
    from careforce.incentives.models import Scheme
    from careforce.registry import demo
    from careforce.registry.models import Worker

    print(f"machine: {machine()}")
    call_command("migrate", verbosity=0)
    if Worker.objects.count() == 0:
        if not args.workers:
            raise SystemExit("The database has no workers: give --workers to generate them.")
        started = time.monotonic()
        generate_copy(
            workers=args.workers, institutions=max(900, args.workers // 200), seed=2026, jobs=args.jobs
        )
        print(f"generated {args.workers:,} workers in {time.monotonic() - started:.0f} s")
    started = time.monotonic()
    add_incentive_data(actor=demo.system_actor())
    print(f"contracts, certificates and listings in place in {time.monotonic() - started:.0f} s")
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
    schemes = [
        services.scheme_create(
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
        for code, kind, amounts, tranches in specs
    ]
    if args.one_at_a_time:
        runs, total = [], 0.0
        for scheme in schemes:
            started = time.monotonic()
            runs.append(services.run_eligibility(actor=actor, scheme=scheme, period="2026-11"))
            seconds = time.monotonic() - started
            total += seconds
            print(f"run {scheme.code:<18} {runs[-1].considered:>9,} assessed  {seconds:6.1f} s")
    else:
        started = time.monotonic()
        runs = services.run_eligibility_many(actor=actor, schemes=schemes, period="2026-11")
        total = time.monotonic() - started
    for run in runs:
        print(f"run {run.scheme.code:<18} {run.considered:>9,} assessed {run.qualified:>9,} qualify")
    print(f"four runs over {workers:,} current workers: {total:.1f} s")
    run = max(runs, key=lambda r: r.qualified)
    batch = None
    if not args.no_full_batch:
        started = time.monotonic()
        services.approve_all(actor=actor, run=run)
        print(f"approve_all ({run.qualified:,}): {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        batch = services.pay(actor=actor, run=run)
        print(f"pay: {batch.paid_count:,} payments in {time.monotonic() - started:.1f} s")
        started = time.monotonic()
        again = services.pay(actor=actor, run=run)
        print(
            f"pay again: {again.paid_count:,} paid, {again.skipped_count:,} skipped "
            f"in {time.monotonic() - started:.1f} s"
        )
    if args.export_rows:
        # A batch of exactly N rows: the first N qualifying entries of another run approved, then paid.
        from careforce.incentives.models import Eligibility

        other = next(r for r in runs if r.pk != run.pk and r.qualified >= args.export_rows)
        qualifying = Eligibility.objects.filter(run=other, qualifies=True).order_by("worker_id")
        last = qualifying.values_list("worker_id", flat=True)[args.export_rows - 1]
        qualifying.filter(worker_id__lte=last).update(decision="approved")
        batch = services.pay(actor=actor, run=other)
    if batch is None:
        return 0
    started = time.monotonic()
    out = sheets.batch_book(actor, batch)
    size = out.seek(0, 2)
    print(f"export {batch.paid_count:,} rows: {time.monotonic() - started:.1f} s ({size / 1e6:.1f} MB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
