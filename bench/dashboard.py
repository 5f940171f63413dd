"""Dashboard benchmark: the city overview's data and a district drill-down, p50/p95 through the
test client, cold and warm, and right after a record changes (with a correctness check each time).

Data: workers and employments from bench/registry.py's COPY generator (the services' own value-building
functions), institutions topped up through `institution_create`, training enrolments generated in SQL as
the completion service writes them (completion date and year, hours, the worker's district and
institution at completion) with TrainingTally rebuilt from them, and CertificationTally rebuilt from the
care workers (no certificates are generated: certified = 0, as the services would keep it).

    .venv/bin/python bench/dashboard.py --database-url postgres://postgres@127.0.0.1:5432/careforce_dashboard_bench \
        --prepare --institutions 20000 --enrolments 10000000
    .venv/bin/python bench/dashboard.py --database-url postgres://postgres@127.0.0.1:5432/careforce_dashboard_bench

`--prepare` ends by building the dashboard's facts (`careforce indicators_rebuild`: the generated rows
bypassed the services, so there is no audit trail to follow); `--rebuild` times that build again.

The 1,000,000 workers may come from `bench/registry.py --generate copy` in this database, or from a copy
of a database it filled (pg_dump | psql), then `--prepare` adds the rest.
"""

from __future__ import annotations

import argparse
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import Stats, ensure_postgres_database, machine, measure, setup_django


def prepare(*, institutions: int, enrolments: int, seed: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from careforce.institutions.models import Institution
    from careforce.registry import demo

    call_command("migrate", verbosity=0)
    have = Institution.objects.count()
    if have < institutions:
        print(f"Adding {institutions - have:,} institutions through institution_create …", flush=True)
        demo.create_institutions(
            actor=demo.system_actor(), count=institutions - have, rng=random.Random(seed), log=print
        )
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM training_enrolment")
        existing = cursor.fetchone()[0]
    if existing < enrolments:
        _enrolments(enrolments - existing, seed)
    _tallies()
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE")  # what autovacuum does after a load: statistics, visibility map
    build_facts()


def build_facts() -> float:
    """The dashboard's facts and counters from the registry (what `careforce indicators_rebuild` does: the
    generated rows bypassed the services, so there is no audit trail to follow)."""
    from django.db import connection

    from careforce.indicators import engine

    started = time.perf_counter()
    engine.rebuild(log=lambda line: print(line, flush=True) if line.endswith("0,000") else None)
    seconds = time.perf_counter() - started
    print(f"Facts built in {seconds:.1f} s", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("VACUUM ANALYZE indicators_workerfact")
        cursor.execute("VACUUM ANALYZE indicators_districtcounter")
        cursor.execute("VACUUM ANALYZE indicators_institutioncounter")
    return seconds


def _enrolments(count: int, seed: int) -> None:
    """Completed enrolments spread over 600 sessions a year for three years, each worker at most once per
    session; written in SQL (10 million rows), then the tallies are rebuilt from them."""
    import datetime

    from django.db import connection

    from careforce.registry.demo import system_actor
    from careforce.training.models import Course, Session

    started = time.monotonic()
    actor = system_actor()  # noqa: F841 - the generated rows are system data, like an import
    today = datetime.date.today()
    course = Course.objects.create(
        title="养老护理员在岗轮训（基准）", tier="city", kind="in_service", hours=16
    )
    sessions = []
    for year in (today.year - 2, today.year - 1, today.year):
        for n in range(600):
            start = datetime.date(year, 1, 1) + datetime.timedelta(days=(n * 7) % 360)
            if start > today:
                start = today - datetime.timedelta(days=n % 30)
            sessions.append(
                Session(course=course, start_date=start, end_date=start, venue="基准", capacity=50000)
            )
    Session.objects.bulk_create(sessions)
    print(f"Writing {count:,} enrolments over {len(sessions):,} sessions …", flush=True)
    with connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS bench_w")
        cursor.execute(
            "CREATE TEMP TABLE bench_w AS SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id, district_id,"
            " institution_id FROM registry_worker WHERE institution_id IS NOT NULL"
        )
        cursor.execute("CREATE INDEX ON bench_w (idx)")
        cursor.execute("SELECT count(*) FROM bench_w")
        workers = cursor.fetchone()[0]
        cursor.execute("DROP TABLE IF EXISTS bench_s")
        cursor.execute(
            "CREATE TEMP TABLE bench_s AS SELECT row_number() OVER (ORDER BY id) - 1 AS idx, id, end_date"
            " FROM training_session WHERE course_id = %s",
            [course.pk],
        )
        cursor.execute("CREATE INDEX ON bench_s (idx)")
        # Bulk-load the way one loads 10 million rows: without the secondary indexes and foreign keys, which
        # are rebuilt (and the keys validated) afterwards.
        cursor.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = 'training_enrolment'"
            " AND indexname <> 'training_enrolment_pkey'"
        )
        indexes = cursor.fetchall()
        cursor.execute(
            "SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint"
            " WHERE conrelid = 'training_enrolment'::regclass AND contype IN ('f', 'u')"
        )
        constraints = cursor.fetchall()
        for name, _definition in constraints:
            cursor.execute(f'ALTER TABLE training_enrolment DROP CONSTRAINT "{name}"')
        for name, _definition in indexes:
            cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
        step = 1_000_000
        for low in range(0, count, step):
            high = min(count, low + step)
            cursor.execute(
                "INSERT INTO training_enrolment (session_id, worker_id, status, enrolled_at, completed_on,"
                " completed_year, hours, exam_score, exam_passed, district_id, institution_id)"
                " SELECT s.id, w.id, 'completed', now(), s.end_date, extract(year FROM s.end_date)::int,"
                " 16, NULL, NULL, w.district_id, w.institution_id"
                " FROM generate_series(%s, %s) g"
                " JOIN bench_s s ON s.idx = g %% %s"
                " JOIN bench_w w ON w.idx = ((g / %s) + (g %% %s) * 7919) %% %s",
                [low, high - 1, len(sessions), len(sessions), len(sessions), workers],
            )
            print(f"  enrolments {high:,}/{count:,}  {time.monotonic() - started:.0f} s", flush=True)
        unique = {name for name, definition in constraints if definition.startswith("UNIQUE")}
        for name, definition in indexes:
            if name not in unique:
                cursor.execute(definition)
        for name, definition in constraints:
            cursor.execute(f'ALTER TABLE training_enrolment ADD CONSTRAINT "{name}" {definition}')
        print(f"  indexes and keys rebuilt  {time.monotonic() - started:.0f} s", flush=True)


def _tallies() -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM training_trainingtally")
        cursor.execute(
            "INSERT INTO training_trainingtally (year, district_id, completions, hours)"
            " SELECT completed_year, district_id, count(*), sum(hours) FROM training_enrolment"
            " WHERE status = 'completed' AND district_id IS NOT NULL GROUP BY 1, 2"
        )
        cursor.execute("DELETE FROM skills_certificationtally")
        cursor.execute(
            "INSERT INTO skills_certificationtally (institution_id, care_workers, certified)"
            " SELECT w.institution_id, count(*), 0 FROM registry_worker w JOIN registry_occupation o"
            " ON o.id = w.occupation_id WHERE w.is_active AND o.code = 'care_worker'"
            " AND w.institution_id IS NOT NULL GROUP BY 1"
        )


def users():
    from careforce.core.models import District, Role, User
    from careforce.core.services import account_create

    district = District.objects.get(code="500112")  # 渝北区, the largest
    city = User.objects.filter(username="bench-dash-city").first() or account_create(
        username="bench-dash-city", password=None, role=Role.CITY_ADMIN
    )
    official = User.objects.filter(username="bench-dash-district").first() or account_create(
        username="bench-dash-district", password=None, role=Role.DISTRICT_ADMIN, district=district
    )
    return city, official, district


def run(*, runs: int, changes: int, restarts: int) -> list[tuple[str, Stats | str]]:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from careforce.indicators import engine
    from careforce.institutions.models import Institution
    from careforce.registry.models import Worker
    from careforce.registry.services import employment_end, worker_transfer

    setup_test_environment()
    city, official, district = users()
    as_city, as_district = Client(), Client()
    as_city.force_login(city)
    as_district.force_login(official)
    city_data = "/api/v1/indicators"
    city_page = "/indicators/"
    district_data = f"/api/v1/indicators?district={district.pk}"
    district_page = f"/indicators/districts/{district.pk}/"
    results: list[tuple[str, Stats | str]] = []

    def get(client, url):
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)
        return response

    # A process start: nothing in memory; the counters are read from the database (no recompute).
    starts = []
    for _ in range(restarts):
        engine.reset()
        started = time.perf_counter()
        get(as_city, city_data)
        starts.append((time.perf_counter() - started) * 1000)
    results.append(("process start: first city data read (persisted counters)", _stats(starts)))
    print(f"{results[-1][0]}: {results[-1][1].row()}", flush=True)
    for label, client, url in (
        ("city data, city admin (/api/v1/indicators)", as_city, city_data),
        ("city data, district admin (/api/v1/indicators)", as_district, city_data),
        ("city overview page (HTML, map + structure)", as_city, city_page),
        ("district drill-down data, district admin", as_district, district_data),
        ("district drill-down page (HTML, institutions)", as_district, district_page),
        ("district drill-down page 30 (HTML)", as_district, district_page + "?page=30"),
    ):
        results.append((label, measure(lambda c=client, u=url: get(c, u), runs=runs, warmup=2)))
        print(f"{label}: {results[-1][1].row()}", flush=True)

    # Right after a change: alternately end a current post in the district, and transfer a worker out of
    # it to another district; then read; check against direct counts each time.
    after_city, after_district, after_page = [], [], []
    wrong = 0
    today = time_today()
    elsewhere = Institution.objects.exclude(district=district).order_by("id").first()
    candidates = list(
        Worker.objects.filter(district=district, is_active=True)
        .order_by("id")
        .values_list("id", flat=True)[: changes * 3]
    )
    done = 0
    for worker_id in candidates:
        if done == changes:
            break
        worker = Worker.objects.get(pk=worker_id)
        post = worker.employments.filter(end_date__isnull=True, is_part_time=False).first()
        if post is None or post.start_date >= today:
            continue
        if done % 2:
            employment_end(actor=city, employment=post, end_date=today)
        else:
            worker_transfer(
                actor=city,
                worker=worker,
                data={"institution": elsewhere.pk, "post": "护理员", "start_date": today},
            )
        done += 1
        started = time.perf_counter()
        data = get(as_district, district_data).json()
        after_district.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        city_rows = get(as_city, city_data).json()
        after_city.append((time.perf_counter() - started) * 1000)
        shown = next(r["value"] for r in data if r["code"] == "registry_workers")
        truth = Worker.objects.filter(district=district, is_active=True).count()
        shown_city = next(r["value"] for r in city_rows if r["code"] == "registry_workers")
        truth_city = Worker.objects.filter(is_active=True).count()
        wrong += (shown != truth) + (shown_city != truth_city)
        started = time.perf_counter()
        get(as_district, district_page)
        after_page.append((time.perf_counter() - started) * 1000)
    results.append(("after a change: district data", _stats(after_district)))
    results.append(("after a change: city data", _stats(after_city)))
    results.append(("after a change: district page (HTML)", _stats(after_page)))
    results.append(
        (
            "correct right after each change",
            f"{2 * done - wrong}/{2 * done} reads matched a direct count",
        )
    )
    return results


def time_today():
    from django.utils import timezone

    return timezone.localdate()


def _stats(times: list[float]) -> Stats:
    from bench.common import percentile

    times = sorted(times)
    return Stats(len(times), times[len(times) // 2], percentile(times, 0.95), times[-1])


def sizes() -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        out = []
        for table in (
            "registry_worker",
            "registry_employment",
            "institutions_institution",
            "training_enrolment",
        ):
            cursor.execute(f"SELECT count(*) FROM {table}")
            out.append(f"{table} {cursor.fetchone()[0]:,}")
    return ", ".join(out)


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument(
        "--prepare", action="store_true", help="migrate, top up institutions, enrolments, tallies"
    )
    parser.add_argument("--institutions", type=int, default=20_000)
    parser.add_argument("--enrolments", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=40)
    parser.add_argument("--changes", type=int, default=10)
    parser.add_argument("--seed", type=int, default=6)
    parser.add_argument("--restarts", type=int, default=5, help="process starts measured")
    parser.add_argument("--rebuild", action="store_true", help="rebuild the facts first (timed)")
    args = parser.parse_args()
    if args.database_url.startswith("postgres"):
        ensure_postgres_database(args.database_url)
    setup_django(args.database_url)
    if args.prepare:
        prepare(institutions=args.institutions, enrolments=args.enrolments, seed=args.seed)
    print(machine())
    print(sizes())
    if args.rebuild and not args.prepare:
        build_facts()
    results = run(runs=args.runs, changes=args.changes, restarts=args.restarts)
    print("\n| measurement | n | p50 ms | p95 ms | max ms |\n| --- | --- | --- | --- | --- |")
    for label, value in results:
        if isinstance(value, Stats):
            print(f"| {label} | {value.n} | {value.p50:.1f} | {value.p95:.1f} | {value.max:.1f} |")
        else:
            print(f"| {label} | {value} | | | |")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
