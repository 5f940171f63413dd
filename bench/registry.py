"""Registry benchmark: list, pinyin search and ID lookup at 17,000 and 1,000,000 workers.

    python bench/registry.py --workers 17000
    python bench/registry.py --workers 1000000 --database-url postgres://postgres@127.0.0.1:5432/careforce_bench

Steps: create the bench database if missing (SQLite file under var/bench/ by default), migrate, generate
the workers and their employments unless the database already holds exactly that many, ANALYZE, then
time each query through Django's test Client, signed in as a city administrator and as a district
administrator, on the worker list page and on the API. Every request's SQL is captured once and checked:
no COUNT over registry_worker without a LIMIT. EXPLAIN of each query goes to bench/out/.

Generation:
- `service` (the default up to 100,000 workers, and always on SQLite): careforce.registry.demo.load, that
  is institution_create and workers_register in batches; exactly the demo / importer write path.
- `copy` (PostgreSQL, the default above 100,000): the same demo generator and the same value-building
  functions of the service (`_prepare` = clean_worker_fields + clean_employment_fields + the overlap rule,
  `_placement`, `_worker_model_values` = pinyin keys, AES-GCM, HMAC blind index), but rows are written with
  COPY from `--jobs` processes and no audit events are written (the queries measured do not read them).
"""

from __future__ import annotations

import argparse
import datetime
import json
import multiprocessing
import random
import re
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    OUT_DIR,
    PROJECT_DIR,
    Stats,
    ensure_postgres_database,
    git_revision,
    machine,
    measure,
    postgres_version,
    setup_django,
    sqlite_url,
)

PAGE_CAP_PAGE = 400  # LIST_COUNT_CAP 10,000 / 25 a page: the deepest page that still shows a count
COPY_CHUNK = 10_000

# ---------------------------------------------------------------- generation


def generate_service(*, workers: int, institutions: int, seed: int, batch_size: int) -> None:
    from careforce.registry import demo

    demo.load(workers=workers, institutions=institutions, seed=seed, batch_size=batch_size, log=print)


def _copy_worker_rows(k: int, jobs: int, count: int, id_start: int, seed: int) -> int:
    """Child process: build `count` workers with ids from `id_start` and COPY them with their periods."""
    from django.db import connection, transaction
    from django.utils import timezone

    from careforce.core.models import User
    from careforce.institutions.models import Institution
    from careforce.registry import services
    from careforce.registry.demo import SYSTEM_USERNAME, WorkerGenerator
    from careforce.registry.models import Employment, Worker

    connection.close()  # never share the parent's connection
    today = timezone.localdate()
    now = timezone.now()
    actor = User.objects.get(username=SYSTEM_USERNAME)
    resolver = services.Resolver(actor)
    pool = list(Institution.objects.select_related("district").order_by("id"))
    resolver.prime_institutions([i.uscc for i in pool])
    generator = WorkerGenerator(random.Random(seed * 1000 + k), pool, today=today, slot=(k, jobs))
    worker_fields = [f for f in Worker._meta.concrete_fields]
    employment_fields = [f for f in Employment._meta.concrete_fields if f.attname != "id"]
    worker_sql = "COPY registry_worker ({}) FROM STDIN".format(", ".join(f.column for f in worker_fields))
    employment_sql = "COPY registry_employment ({}) FROM STDIN".format(
        ", ".join(f.column for f in employment_fields)
    )
    next_id = id_start
    done = 0
    started = time.monotonic()
    while done < count:
        n = min(COPY_CHUNK, count - done)
        worker_rows, employment_rows = [], []
        for reg in (generator.registration() for _ in range(n)):
            values, periods = services._prepare(reg, resolver=resolver, today=today)  # raises if invalid
            institution, active = services._placement(periods)
            model_values = services._worker_model_values(values)
            if institution is not None:
                model_values["district"] = institution.district
                model_values["institution"] = institution
            worker = Worker(id=next_id, **model_values, is_active=active, created_at=now, updated_at=now)
            worker_rows.append([getattr(worker, f.attname) for f in worker_fields])
            for period in periods:
                emp = Employment(worker_id=next_id, **period, created_at=now, updated_at=now)
                employment_rows.append([getattr(emp, f.attname) for f in employment_fields])
            next_id += 1
        with transaction.atomic():
            raw = connection.cursor().connection
            with raw.cursor() as cursor:
                with cursor.copy(worker_sql) as copy:
                    for row in worker_rows:
                        copy.write_row(row)
                with cursor.copy(employment_sql) as copy:
                    for row in employment_rows:
                        copy.write_row(row)
        done += n
        rate = done / (time.monotonic() - started)
        print(f"  [job {k}] workers {done:,}/{count:,}  {rate:,.0f}/s", flush=True)
    connection.close()
    return done


def generate_copy(*, workers: int, institutions: int, seed: int, jobs: int) -> None:
    from django.db import connection, connections

    from careforce.registry import demo
    from careforce.registry.models import Worker

    started = time.monotonic()
    rng = random.Random(seed)
    actor = demo.system_actor()
    if institutions:
        print(f"Creating {institutions:,} institutions through institution_create …")
        demo.create_institutions(actor=actor, count=institutions, rng=rng, log=print)
    base = (Worker.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1
    shares = [workers // jobs + (1 if k < workers % jobs else 0) for k in range(jobs)]
    starts = [base + sum(shares[:k]) for k in range(jobs)]
    print(f"Generating {workers:,} workers with COPY from {jobs} processes …")
    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(jobs) as pool:
        results = pool.starmap(
            _copy_worker_rows, [(k, jobs, shares[k], starts[k], seed) for k in range(jobs)]
        )
    with connection.cursor() as cursor:
        for table in ("registry_worker", "registry_employment"):
            cursor.execute(
                f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), (SELECT max(id) FROM {table}))"
            )
    print(f"  {sum(results):,} workers in {time.monotonic() - started:.0f} s")


def analyze(vendor: str) -> None:
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as cursor:
        if vendor == "postgresql":
            # VACUUM sets the visibility map (index-only scans for the capped counts); autovacuum would do
            # the same in production some time after a large load.
            for table in ("registry_worker", "registry_employment", "institutions_institution"):
                cursor.execute(f"VACUUM (ANALYZE) {table}")
        else:
            cursor.execute("ANALYZE")
    print(f"ANALYZE done in {time.monotonic() - started:.1f} s")


# ---------------------------------------------------------------- measurement


@dataclass
class Result:
    actor: str
    query: str
    channel: str  # page / api / selector
    url: str
    stats: Stats | None = None
    queries: int = 0
    unbounded_counts: list[str] = field(default_factory=list)
    note: str = ""


UNBOUNDED_COUNT = re.compile(r"\bCOUNT\s*\(", re.IGNORECASE)


def unbounded_worker_counts(sqls: list[str]) -> list[str]:
    """The statements that COUNT over registry_worker with no LIMIT anywhere: a full (filtered) count."""
    return [
        sql
        for sql in sqls
        if UNBOUNDED_COUNT.search(sql) and "registry_worker" in sql and " LIMIT " not in sql.upper()
    ]


def explain(sql: str, vendor: str) -> str:
    from django.db import connection

    with connection.cursor() as cursor:
        if vendor == "postgresql":
            cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + sql)
        else:
            cursor.execute("EXPLAIN QUERY PLAN " + sql)
        return "\n".join(" | ".join(str(c) for c in row) for row in cursor.fetchall())


def run_measurements(*, runs: int, page_runs: int, warmup: int, out: Path, vendor: str) -> list[Result]:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext
    from django_otp import DEVICE_ID_SESSION_KEY
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from careforce.core.api import encode_cursor
    from careforce.core.models import District, Role, User
    from careforce.core.scope import needs_second_factor
    from careforce.core.services import account_create
    from careforce.registry.models import Worker
    from careforce.registry.selectors import WorkerFilters, worker_list

    district = District.objects.get(code="500112")  # 渝北区, the biggest
    accounts = {}
    for username, role, binding in (
        ("bench-city", Role.CITY_ADMIN, {}),
        ("bench-district", Role.DISTRICT_ADMIN, {"district": district}),
    ):
        accounts[username] = User.objects.filter(username=username).first() or account_create(
            username=username, password=None, role=role, **binding
        )
    sample = Worker.objects.filter(district=district).order_by("id")[500:501].get()
    id_number = sample.reveal_id_number()
    cases = [
        # (name, page URL, api URL, selector filters, page offset)
        ("list district+team, page 1", f"/workers/?district={district.pk}&team=care", f"/api/v1/workers?district={district.pk}&team=care", WorkerFilters(district=district.pk, team="care"), 0),
        (f"list district+team, page {PAGE_CAP_PAGE}", f"/workers/?district={district.pk}&team=care&page={PAGE_CAP_PAGE}", f"/api/v1/workers?district={district.pk}&team=care&cursor={{deep}}", WorkerFilters(district=district.pk, team="care"), (PAGE_CAP_PAGE - 1) * 25),
        ("pinyin initials q=zs", "/workers/?q=zs", "/api/v1/workers?q=zs", WorkerFilters(q="zs"), 0),
        ("pinyin prefix q=zhangs", "/workers/?q=zhangs", "/api/v1/workers?q=zhangs", WorkerFilters(q="zhangs"), 0),
        ("ID number q=<18 chars>", f"/workers/?q={id_number}", f"/api/v1/workers?q={id_number}", WorkerFilters(q=id_number), 0),
    ]  # fmt: skip
    results: list[Result] = []
    plans: list[str] = []
    for username, user in accounts.items():
        client = Client()
        client.force_login(user)
        if needs_second_factor(user):
            # As after the second sign-in step: the session names the device that verified it.
            device = TOTPDevice.objects.filter(
                user=user, confirmed=True
            ).first() or TOTPDevice.objects.create(user=user, name="registry bench", confirmed=True)
            session = client.session
            session[DEVICE_ID_SESSION_KEY] = device.persistent_id
            session.save()
        deep_ids = worker_list(user, WorkerFilters(district=district.pk, team="care")).values_list(
            "pk", flat=True
        )
        deep_pk = deep_ids[(PAGE_CAP_PAGE - 1) * 25 - 1 : (PAGE_CAP_PAGE - 1) * 25].first()
        for name, page_url, api_url, filters, offset in cases:
            api_url = api_url.replace("{deep}", encode_cursor(deep_pk) if deep_pk else "")

            def selector(user=user, filters=filters, offset=offset):
                """What the page does without the template: the page's 25 rows and one more (no count)."""
                qs = worker_list(user, filters)
                list(qs[offset : offset + 26])

            for channel, url in (("page", page_url), ("api", api_url), ("selector", "")):
                result = Result(username, name, channel, url)
                if channel == "selector":
                    fn = selector
                else:
                    status = client.get(url).status_code

                    def fn(client=client, url=url):
                        return client.get(url)

                    if status != 200:
                        # The route is not there (yet): measure what it would run instead.
                        result.channel = f"{channel}→selector"
                        result.note = f"HTTP {status} at run time; measured the selector"
                        fn = selector
                with CaptureQueriesContext(connection) as ctx:
                    fn()
                sqls = [q["sql"] for q in ctx.captured_queries]
                result.queries = len(sqls)
                result.unbounded_counts = unbounded_worker_counts(sqls)
                for sql in sqls:
                    if "registry_worker" in sql:
                        plan = explain(sql, vendor)
                        plans.append(f"### {username} · {name} · {result.channel}\n{sql}\n\n{plan}\n")
                n = page_runs if result.channel == "page" else runs
                result.stats = measure(fn, runs=n, warmup=min(warmup, n))
                results.append(result)
                flag = "  UNBOUNDED COUNT!" if result.unbounded_counts else ""
                print(
                    f"{username:<15} {name:<32} {result.channel:<14} {result.stats.row()}  "
                    f"q={result.queries}{flag}",
                    flush=True,
                )
    (out / "explain.txt").write_text("\n".join(plans))
    return results


def markdown(results: list[Result]) -> str:
    lines = [
        "| actor | query | via | n | p50 ms | p95 ms | max ms | SQL / request | unbounded COUNT |",
        "| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | --- |",
    ]
    for r in results:
        s = r.stats
        lines.append(
            f"| {r.actor} | {r.query} | {r.channel} | {s.n} | {s.p50:.1f} | {s.p95:.1f} | {s.max:.1f} | "
            f"{r.queries} | {'**yes**' if r.unbounded_counts else 'none'} |"
        )
    return "\n".join(lines)


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--workers", type=int, default=17_000)
    parser.add_argument("--institutions", type=int, help="default: 900, or workers / 200 if more")
    parser.add_argument("--database-url", help="default: a SQLite file under var/bench/")
    parser.add_argument("--generate", choices=("auto", "service", "copy"), default="auto")
    parser.add_argument("--jobs", type=int, default=2, help="processes for --generate copy")
    parser.add_argument("--batch-size", type=int, default=2000, help="workers per workers_register call")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--page-runs", type=int, help="runs for the HTML pages (default: --runs)")
    parser.add_argument("--warmup", type=int, default=20)
    parser.add_argument("--fresh", action="store_true", help="drop the bench database first")
    parser.add_argument("--generate-only", action="store_true")
    args = parser.parse_args()

    database_url = args.database_url or sqlite_url(
        PROJECT_DIR / "var" / "bench" / f"registry-{args.workers}.sqlite3"
    )
    vendor = "postgresql" if database_url.startswith(("postgres://", "postgresql://")) else "sqlite"
    if vendor == "postgresql":
        ensure_postgres_database(database_url, recreate=args.fresh)
    elif args.fresh:
        path = Path(database_url.removeprefix("sqlite:///"))
        for suffix in ("", "-wal", "-shm"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)
    setup_django(database_url)

    from django.core.management import call_command

    from careforce.registry.models import Worker

    print(f"Database: {vendor} ({database_url.rsplit('@', 1)[-1]}); machine: {machine()}")
    call_command("migrate", verbosity=0)
    have = Worker.objects.count()
    timings: dict[str, float] = {}
    if have not in (0, args.workers):
        print(f"The bench database holds {have:,} workers, not {args.workers:,}; run with --fresh.")
        return 2
    if have == 0:
        institutions = args.institutions or max(900, args.workers // 200)
        method = args.generate
        if method == "auto":
            method = "copy" if vendor == "postgresql" and args.workers > 100_000 else "service"
        if method == "copy" and vendor != "postgresql":
            print("--generate copy needs PostgreSQL.")
            return 2
        started = time.monotonic()
        if method == "copy":
            generate_copy(workers=args.workers, institutions=institutions, seed=args.seed, jobs=args.jobs)
        else:
            generate_service(
                workers=args.workers, institutions=institutions, seed=args.seed, batch_size=args.batch_size
            )
        timings["generate_seconds"] = time.monotonic() - started
        timings["generate_method"] = method
        print(f"Generated {args.workers:,} workers ({method}) in {timings['generate_seconds']:.0f} s")
    else:
        print(f"Reusing the {have:,} workers already in the bench database.")
    started = time.monotonic()
    analyze(vendor)
    timings["analyze_seconds"] = time.monotonic() - started
    if args.generate_only:
        return 0

    out = OUT_DIR / f"registry-{vendor}-{args.workers}"
    out.mkdir(parents=True, exist_ok=True)
    print(f"Measuring ({args.warmup} warm-up + {args.runs} runs each) …")
    print(f"{'actor':<15} {'query':<32} {'via':<14}    n       p50       p95       max  (ms)")
    results = run_measurements(
        runs=args.runs, page_runs=args.page_runs or args.runs, warmup=args.warmup, out=out, vendor=vendor
    )
    from careforce.registry.models import Employment

    summary = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "revision": git_revision(),
        "machine": machine(),
        "database": vendor + (f" {postgres_version(database_url)}" if vendor == "postgresql" else ""),
        "workers": Worker.objects.count(),
        "employments": Employment.objects.count(),
        "command": " ".join(sys.argv),
        **timings,
        "results": [{**asdict(r), "stats": asdict(r.stats)} for r in results],
    }
    (out / "results.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    (out / "results.md").write_text(markdown(results) + "\n")
    print()
    print(markdown(results))
    print(f"\nEXPLAIN plans: {out / 'explain.txt'}")
    bad = [r for r in results if r.unbounded_counts]
    if bad:
        print(f"FAIL: {len(bad)} request(s) ran an unbounded COUNT over registry_worker")
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
