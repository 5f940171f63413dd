"""Staffing benchmark (PostgreSQL): a district's staffing page data (compliance with the named shortfall and
record completeness per institution), the supply–demand projection and the city overview, p50/p95, and the
district page read right after an employment ends through the services (the figures must change at once).

On a fresh database (generated here with bench/registry.py's generators):

    nice -n 10 .venv/bin/python bench/staffing.py --database-url postgres://postgres@127.0.0.1:5432/cf_staffing_bench \
        --workers 1000000 --institutions 20000

On an existing database (e.g. a clone of a generated one; the PII keys of the database exported first):

    set -a; . /path/to/load-keys.env; set +a
    nice -n 10 .venv/bin/python bench/staffing.py --database-url postgres://postgres@127.0.0.1:5432/cf_staffperf_bench --existing

What the staffing figures need that a registry-only database may lack is added set-based and reported:
insurance covers (work-injury cover at the employment's institution for 7 of 10 counted employments, so
the counting facts hold covers and the insurance condition can be measured on and off). The counting facts
are then rebuilt set-based (`tally.build`, timed: a COPY load bypasses the services) and checked against
a recount from the registry (`tally.differences`, timed). Every read is a grouped aggregate over the
counting facts; the largest district is the one with the most workers.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_postgres_database, machine, measure, percentile, setup_django


def add_covers() -> None:
    """Work-injury cover at the employment's institution for 7 of 10 counted employments, once, set-based."""
    from django.db import connection

    from careforce.incentives.models import InsuranceCover
    from careforce.staffing import rules

    if InsuranceCover.objects.filter(insurer="bench-staffing").exists():
        return
    sql, params = (
        rules.counted_base()
        .filter(id__regex=r"[0-6]$")
        .values("worker_id", "institution_id")
        .query.sql_with_params()
    )
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO incentives_insurancecover (worker_id, institution_id, kind, insurer, start_date, end_date,"
            " created_at) SELECT s.worker_id, s.institution_id, 'work_injury', 'bench-staffing', DATE '2025-01-01',"
            f" DATE '2027-12-31', now() FROM ({sql}) s",
            params,
        )
        added = cursor.rowcount
    print(f"Insurance covers added set-based: {added:,} in {time.monotonic() - started:.1f} s")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--workers", type=int, default=20_000)
    parser.add_argument("--institutions", type=int, default=1_000)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=3)
    parser.add_argument("--changes", type=int, default=20, help="employments ended to read right after")
    parser.add_argument("--existing", action="store_true", help="use the database as it is (never generate)")
    parser.add_argument(
        "--skip-check", action="store_true", help="skip the recount check (slow at 1,000,000)"
    )
    args = parser.parse_args()
    if not args.existing:
        ensure_postgres_database(args.database_url)
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count
    from django.utils import timezone

    from bench.registry import generate_copy, generate_service
    from careforce.core.models import District, Role, User
    from careforce.institutions.models import Institution
    from careforce.registry.models import Worker
    from careforce.registry.services import employment_end
    from careforce.staffing import rules, selectors, tally
    from careforce.staffing.models import CountedFact, FlowFact, RecordFact

    call_command("migrate", verbosity=0)
    if not args.existing and not Worker.objects.exists():
        started = time.monotonic()
        if args.workers > 100_000:
            generate_copy(workers=args.workers, institutions=args.institutions, seed=args.seed, jobs=2)
        else:
            generate_service(
                workers=args.workers, institutions=args.institutions, seed=args.seed, batch_size=2000
            )
        print(f"Generated in {time.monotonic() - started:.0f} s")
    add_covers()
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    started = time.monotonic()
    tally.build()
    with (
        connection.cursor() as cursor
    ):  # what autovacuum does after a large write: visibility map, statistics
        cursor.execute("VACUUM ANALYZE staffing_countedfact")
        cursor.execute("VACUUM ANALYZE staffing_recordfact")
        cursor.execute("VACUUM ANALYZE staffing_flowfact")
    print(
        f"Counting facts rebuilt set-based in {time.monotonic() - started:.1f} s: "
        f"{CountedFact.objects.count():,} counted rows, {RecordFact.objects.count():,} record rows, "
        f"{FlowFact.objects.count():,} flow rows"
    )
    if not args.skip_check:
        started = time.monotonic()
        found = tally.differences()
        print(f"Check against a recount: {len(found)} differences, {time.monotonic() - started:.1f} s")
    city = User.objects.filter(role=Role.CITY_ADMIN, is_active=True).first()
    if city is None:
        from tests import factories

        city = factories.city_admin("bench-staffing")
    workers, institutions = Worker.objects.count(), Institution.objects.count()
    busiest = (
        Worker.objects.filter(is_active=True)
        .values("district_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["district_id"]
    )
    district = District.objects.get(pk=busiest)
    in_district = Institution.objects.filter(district=district).count()
    staff = Worker.objects.filter(district=district, is_active=True).count()
    print(
        f"Machine: {machine()}; load {os.getloadavg()[0]:.1f}; {workers:,} workers, {institutions:,} "
        f"institutions; district {district.name} ({in_district:,} institutions, {staff:,} current staff)"
    )
    print(f"{'read':<44}    n       p50       p95       max  (ms)")
    reads = (
        ("district page (compliance + completeness)", lambda: selectors.district_detail(city, district.pk)),
        ("projection (all districts)", lambda: selectors.projection(city)),
        ("city overview (all districts)", lambda: selectors.overview(city)),
    )
    for label, fn in reads:
        stats = measure(fn, runs=args.runs, warmup=args.warmup)
        print(f"{label:<44} {stats.row()}")
    print(f"load {os.getloadavg()[0]:.1f}")
    # Exact right after a change: end counted employments through the service, read the district again.
    after_ms, write_ms, changed = [], [], 0
    employments = list(
        rules.counted_employments()
        .filter(institution__district=district, worker__team="care", is_part_time=False)
        .order_by("id")[: args.changes]
    )
    for emp in employments:
        before = selectors.district_detail(city, district.pk)
        started = time.perf_counter()
        employment_end(actor=city, employment=emp, end_date=timezone.localdate(), reason="bench")
        write_ms.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        after = selectors.district_detail(city, district.pk)
        after_ms.append((time.perf_counter() - started) * 1000)
        changed += after["care"] == before["care"] - 1
    if employments:
        after_ms.sort()
        write_ms.sort()
        print(
            f"district page right after an employment ended ({len(employments)} changes): p50 "
            f"{statistics.median(after_ms):.1f} ms, p95 {percentile(after_ms, 0.95):.1f} ms; care staff down by "
            f"one at once in {changed}/{len(employments)}; the write itself (service, facts refreshed) p50 "
            f"{statistics.median(write_ms):.1f} ms"
        )
    # The same reads with the insurance condition on (a cover of the kind current today is required).
    row = rules.settings_row()
    row.insurance_required = True
    row.save()
    try:
        for label, fn in reads[:2]:
            stats = measure(fn, runs=args.runs, warmup=args.warmup)
            print(f"{label + ', insurance required':<44} {stats.row()}")
    finally:
        row.insurance_required = False
        row.save()
    if not args.skip_check:
        started = time.monotonic()
        found = tally.differences()
        print(f"Check after the changes: {len(found)} differences, {time.monotonic() - started:.1f} s")
    print(f"load {os.getloadavg()[0]:.1f}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
