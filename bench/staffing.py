"""Staffing benchmark (PostgreSQL): a district's staffing page data (compliance with the named shortfall and
record completeness per institution), the city overview and the supply–demand projection, p50/p95, and the
district page read again right after an employment ends (the counts must change at once: nothing is cached).

    nice -n 10 .venv/bin/python bench/staffing.py --database-url postgres://postgres@127.0.0.1:5432/cf_staffing_bench \
        --workers 1000000 --institutions 20000

Data: bench/registry.py's generators (the demo's write path; COPY above 100,000 workers), whose employments
carry typed posts resolved to catalogue posts by the same services. Every figure is read with grouped
aggregates (one query per kind of figure), never one query per institution.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_postgres_database, machine, measure, setup_django


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
    args = parser.parse_args()
    ensure_postgres_database(args.database_url)
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.db import connection
    from django.db.models import Count

    from bench.registry import generate_copy, generate_service
    from careforce.core.models import District, Role, User
    from careforce.institutions.models import Institution
    from careforce.registry.models import Employment, Worker
    from careforce.registry.services import employment_end
    from careforce.staffing import selectors

    call_command("migrate", verbosity=0)
    if not Worker.objects.exists():
        started = time.monotonic()
        if args.workers > 100_000:
            generate_copy(workers=args.workers, institutions=args.institutions, seed=args.seed, jobs=2)
        else:
            generate_service(
                workers=args.workers, institutions=args.institutions, seed=args.seed, batch_size=2000
            )
        print(f"Generated in {time.monotonic() - started:.0f} s")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    city = User.objects.filter(role=Role.CITY_ADMIN, is_active=True).first()
    if city is None:
        from tests import factories

        city = factories.city_admin("bench-staffing")
    workers, institutions = Worker.objects.count(), Institution.objects.count()
    busiest = (
        Institution.objects.values("district_id")
        .annotate(n=Count("id"))
        .order_by("-n")
        .first()["district_id"]
    )
    district = District.objects.get(pk=busiest)
    print(
        f"Machine: {machine()}; {workers:,} workers, {institutions:,} institutions; district {district.name}"
    )
    print(f"{'read':<36}    n       p50       p95       max  (ms)")
    for label, fn in (
        ("district page (compliance + completeness)", lambda: selectors.district_detail(city, district.pk)),
        ("projection (all districts)", lambda: selectors.projection(city)),
        ("city overview (all districts)", lambda: selectors.overview(city)),
    ):
        stats = measure(fn, runs=args.runs, warmup=args.warmup)
        print(f"{label:<36} {stats.row()}")
    # Exact right after a change: end one counted employment and read the district again.
    emp = (
        Employment.objects.filter(
            institution__district=district, end_date__isnull=True, has_labour_contract=True
        )
        .order_by("id")
        .first()
    )
    if emp is not None:
        before = selectors.district_detail(city, district.pk)
        employment_end(actor=city, employment=emp, end_date=emp.start_date, reason="bench")
        started = time.perf_counter()
        after = selectors.district_detail(city, district.pk)
        ms = (time.perf_counter() - started) * 1000
        changed = (
            before["care"] != after["care"]
            or before["share"] != after["share"]
            or any(
                a.compliance.needs != b.compliance.needs
                for a, b in zip(before["rows"], after["rows"], strict=False)
            )
        )
        print(f"district page right after an employment ended: {ms:.1f} ms; figures changed: {changed}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
