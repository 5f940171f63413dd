"""Training and certification benchmark: certification rate and training person-times per
district at 1,000,000 workers and 10,000,000 training records on PostgreSQL.

    # 1. the workers (bench/registry.py's COPY path, the same value-building functions as the service)
    python bench/registry.py --workers 1000000 --database-url postgres://postgres@127.0.0.1:5432/t4_training_bench \
        --fresh --generate-only
    # 2. training records, certificates, then the measurements and the change check
    python bench/training.py --database-url postgres://postgres@127.0.0.1:5432/t4_training_bench --enrolments 10000000

Generation (skipped when the database already holds that many enrolments):
- courses and sessions through the services (course_create / session_schedule), 2,000 sessions over 2021–2025;
- 10 enrolments per worker (distinct sessions), written with one INSERT … SELECT on the server with the
  values `enrolment_complete` writes: 90% completed (completion date = the session's end, its year, the
  course's hours, the worker's district and institution at completion), 10% still enrolled;
- certificates for ~45% of the active care workers, issued by one registered body within its range;
- then the summaries are built from the records: TrainingTally by the same aggregate the completion service
  keeps incrementally, WorkerSkill and CertificationTally by skills.tally.rebuild_all (service code).

Measured: p50/p95 of the metrics functions and of the API routes, next to the same figures computed by a
direct aggregate over the base tables (what the summaries avoid). Then records change through the services
(certificates issued and revoked, workers transferred and leaving, completions recorded and withdrawn) and
every district's figures are compared with the direct aggregate: they must be equal.
"""

from __future__ import annotations

import argparse
import datetime
import random
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    ensure_postgres_database,
    git_revision,
    machine,
    measure,
    postgres_version,
    setup_django,
)

SESSIONS = 2000
PER_WORKER = 10


def generate(enrolments: int) -> None:
    from django.db import connection

    from careforce.core.models import Role, User
    from careforce.core.services import account_create
    from careforce.skills import services as skills_services
    from careforce.skills import tally
    from careforce.skills.models import EvaluationBody
    from careforce.training import services
    from careforce.training.models import Enrolment, Session

    city = User.objects.filter(role=Role.CITY_ADMIN, username="bench-t4-city").first() or account_create(
        username="bench-t4-city", password="bench-pass-123", role=Role.CITY_ADMIN
    )
    from careforce.skills.models import Certificate

    have = Enrolment.objects.count()
    if have >= enrolments and Certificate.objects.exists():
        print(f"{have:,} enrolments already there; generation skipped")
        return
    started = time.perf_counter()
    rng = random.Random(4)
    if Session.objects.count() < SESSIONS:
        kinds = ["pre_job", "in_service", "transfer", "heads", "online"]
        for n in range(SESSIONS - Session.objects.count()):
            year = 2021 + n % 5
            course = services.course_create(
                actor=city,
                data={
                    "title": f"基准课程{n}",
                    "kind": kinds[n % 5],
                    "tier": "city",
                    "hours": str(8 + n % 5 * 8),
                },
            )
            start = datetime.date(year, 1 + rng.randrange(11), 1 + rng.randrange(27))
            services.session_schedule(
                actor=city,
                course=course,
                data={
                    "start_date": start,
                    "end_date": start + datetime.timedelta(days=2),
                    "venue": "基准场地",
                    "capacity": 100000,
                },
            )
        print(f"sessions: {Session.objects.count():,} ({time.perf_counter() - started:.0f} s)")
    per_worker = max(
        1,
        enrolments
        // max(1, connection.cursor().execute("SELECT count(*) FROM registry_worker").fetchone()[0]),
    )
    per_worker = min(per_worker, PER_WORKER)
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE training_enrolment CASCADE")
        # The values come from existing rows (sessions, workers, their placement), so the per-row foreign-key
        # triggers only cost time here (~40M look-ups at 10M rows); skip them for this one statement.
        cur.execute("SET session_replication_role = replica")
        cur.execute(
            """
            WITH w AS (SELECT id, district_id, institution_id, row_number() OVER (ORDER BY id) - 1 AS rn
                       FROM registry_worker),
                 s AS (SELECT s.id, s.end_date, c.hours, row_number() OVER (ORDER BY s.id) - 1 AS rn
                       FROM training_session s JOIN training_course c ON c.id = s.course_id),
                 n AS (SELECT count(*) AS n FROM s)
            INSERT INTO training_enrolment (session_id, worker_id, status, enrolled_at, completed_on,
                completed_year, hours, exam_score, exam_passed, district_id, institution_id)
            SELECT s.id, w.id,
                   CASE WHEN (w.id + j) %% 10 = 0 THEN 'enrolled' ELSE 'completed' END,
                   now(),
                   CASE WHEN (w.id + j) %% 10 = 0 THEN NULL ELSE s.end_date END,
                   CASE WHEN (w.id + j) %% 10 = 0 THEN NULL ELSE extract(year FROM s.end_date)::int END,
                   CASE WHEN (w.id + j) %% 10 = 0 THEN 0 ELSE s.hours END,
                   NULL, NULL,
                   CASE WHEN (w.id + j) %% 10 = 0 THEN NULL ELSE w.district_id END,
                   CASE WHEN (w.id + j) %% 10 = 0 THEN NULL ELSE w.institution_id END
            FROM w CROSS JOIN generate_series(0, %s) AS j CROSS JOIN n
            JOIN s ON s.rn = (w.rn * 7 + j * 211) %% n.n
            """,
            [per_worker - 1],
        )
        print(f"enrolments: {cur.rowcount:,} ({time.perf_counter() - t:.0f} s)")
        cur.execute("SET session_replication_role = DEFAULT")
        t = time.perf_counter()
        cur.execute("DELETE FROM training_trainingtally")
        cur.execute(
            """INSERT INTO training_trainingtally (year, district_id, completions, hours)
               SELECT completed_year, district_id, count(*), sum(hours) FROM training_enrolment
               WHERE status = 'completed' GROUP BY completed_year, district_id"""
        )
        print(f"training tally: {time.perf_counter() - t:.0f} s")
    body = EvaluationBody.objects.filter(registration_number="BENCH0001").first()
    if body is None:
        body = skills_services.evaluation_body_register(
            actor=city,
            data={
                "name": "基准评价机构",
                "uscc": "91110000600037341L",
                "registration_number": "BENCH0001",
                "registered_on": "2020-01-01",
                "district": "500103",
            },
        )
        skills_services.evaluation_range_set(
            actor=city, body=body, occupation="care_worker", lowest="junior", highest="senior_technician"
        )
    t = time.perf_counter()
    with connection.cursor() as cur:
        cur.execute("TRUNCATE skills_certificate CASCADE")
        cur.execute(
            """INSERT INTO skills_certificate (number, worker_id, occupation_id, level_id, issuer_id, issued_on,
                   status, revoke_reason, created_at)
               SELECT 'B' || w.id, w.id, w.occupation_id,
                      (SELECT id FROM skills_skilllevel WHERE rank = 2 + w.id %% 4), %s,
                      DATE '2022-01-01' + (w.id %% 1000)::int, 'valid', '', now()
               FROM registry_worker w JOIN registry_occupation o ON o.id = w.occupation_id
               WHERE o.code = 'care_worker' AND w.is_active AND w.id %% 20 < 9""",
            [body.pk],
        )
        print(f"certificates: {cur.rowcount:,} ({time.perf_counter() - t:.0f} s)")
    t = time.perf_counter()
    tally.rebuild_all()
    print(f"skills tallies rebuilt: {time.perf_counter() - t:.0f} s")
    with connection.cursor() as cur:
        for table in (
            "training_enrolment",
            "skills_certificate",
            "skills_workerskill",
            "skills_certificationtally",
            "training_trainingtally",
            "registry_worker",
        ):
            cur.execute(f"VACUUM ANALYZE {table}")
    print(f"generation done in {time.perf_counter() - started:.0f} s")


# ---------------------------------------------------------------- the figures, directly from the records


def direct_certification() -> dict[int, tuple[int, int]]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            """SELECT i.district_id,
                      count(*) FILTER (WHERE EXISTS (
                          SELECT 1 FROM skills_certificate c JOIN skills_skilllevel l ON l.id = c.level_id
                          WHERE c.worker_id = w.id AND c.status = 'valid' AND c.occupation_id = w.occupation_id
                            AND l.rank >= 2)),
                      count(*)
               FROM registry_worker w JOIN registry_occupation o ON o.id = w.occupation_id
               JOIN institutions_institution i ON i.id = w.institution_id
               WHERE o.code = 'care_worker' AND w.is_active GROUP BY i.district_id"""
        )
        return {d: (c, n) for d, c, n in cur.fetchall()}


def direct_person_times(year: int) -> dict[int, int]:
    from django.db import connection

    with connection.cursor() as cur:
        cur.execute(
            "SELECT district_id, count(*) FROM training_enrolment WHERE status = 'completed' AND completed_year = %s "
            "GROUP BY district_id",
            [year],
        )
        return dict(cur.fetchall())


def change_through_services(rng: random.Random) -> dict[str, int]:
    """Certificates issued and revoked, workers transferred and leaving, completions recorded and withdrawn."""
    from careforce.core.models import Role, User
    from careforce.core.services import account_create
    from careforce.institutions.models import Institution
    from careforce.registry.models import Worker
    from careforce.registry.services import employment_end, worker_transfer
    from careforce.skills import services as skills_services
    from careforce.skills.models import Certificate, EvaluationBody
    from careforce.training import services
    from careforce.training.models import Enrolment

    city = User.objects.get(username="bench-t4-city", role=Role.CITY_ADMIN)
    body = EvaluationBody.objects.get(registration_number="BENCH0001")
    today = datetime.date.today()
    done = {"issued": 0, "revoked": 0, "transferred": 0, "left": 0, "completed": 0, "withdrawn": 0}
    uncertified = list(
        Worker.objects.filter(is_active=True, occupation__code="care_worker", skill__isnull=True).order_by(
            "id"
        )[:20]
    )
    # The body records its certificates through its own account.
    issuer = User.objects.filter(role=Role.EVALUATION_BODY, evaluation_body=body).first() or account_create(
        username="bench-t4-body", password=None, role=Role.EVALUATION_BODY, evaluation_body=body
    )
    for w in uncertified:
        skills_services.certificate_issue(
            actor=issuer,
            data={
                "number": f"CHG{w.pk}",
                "worker": w,
                "occupation": "care_worker",
                "level": "intermediate",
                "issuer": body.pk,
                "issued_on": today,
            },
        )
        done["issued"] += 1
    for cert in Certificate.objects.filter(status="valid").order_by("id")[:10]:
        skills_services.certificate_revoke(actor=city, certificate=cert, reason="基准测试撤销")
        done["revoked"] += 1
    institutions = list(Institution.objects.order_by("id").values_list("id", flat=True)[:200])
    movers = Worker.objects.filter(is_active=True, occupation__code="care_worker").order_by("-id")[:15]
    for w in list(movers)[:10]:
        target = rng.choice([i for i in institutions if i != w.institution_id])
        worker_transfer(
            actor=city, worker=w, data={"institution": target, "post": "护理员", "start_date": today}
        )
        done["transferred"] += 1
    for w in list(movers)[10:15]:
        employment = w.employments.filter(end_date__isnull=True, is_part_time=False).first()
        if employment and employment.start_date <= today:
            employment_end(actor=city, employment=employment, end_date=today, reason="离职")
            done["left"] += 1
    for e in Enrolment.objects.filter(status="enrolled").order_by("id")[:20]:
        services.enrolment_complete(actor=city, enrolment=e, data={"completed_on": e.session.end_date})
        done["completed"] += 1
    for e in Enrolment.objects.filter(status="completed", completed_year=2025).order_by("id")[:10]:
        services.enrolment_withdraw(actor=city, enrolment=e)
        done["withdrawn"] += 1
    return done


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--enrolments", type=int, default=10_000_000)
    parser.add_argument("--runs", type=int, default=100)
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--year", type=int, default=2025)
    args = parser.parse_args()
    ensure_postgres_database(args.database_url)
    setup_django(args.database_url)

    from django.core.management import call_command
    from django.test import Client

    call_command("migrate", verbosity=0)
    generate(args.enrolments)

    from careforce.core.models import District, Role, User
    from careforce.core.services import account_create
    from careforce.skills import metrics as skills_metrics
    from careforce.training import metrics as training_metrics
    from careforce.training.models import Enrolment

    district = District.objects.get(code="500103")
    official = User.objects.filter(username="bench-t4-district").first() or account_create(
        username="bench-t4-district", password="bench-pass-123", role=Role.DISTRICT_ADMIN, district=district
    )
    city = User.objects.get(username="bench-t4-city")
    print(f"# {machine()}; {postgres_version(args.database_url)}; revision {git_revision()}")
    from careforce.registry.models import Worker

    print(f"# enrolments: {Enrolment.objects.count():,}; workers: {Worker.objects.count():,}")
    rows = []

    def timed(label: str, via: str, fn, runs: int = args.runs) -> None:
        stats = measure(fn, runs=runs, warmup=args.warmup)
        rows.append((label, via, stats))
        print(
            f"| {label} | {via} | {stats.n} | {stats.p50:.1f} | {stats.p95:.1f} | {stats.max:.1f} |",
            flush=True,
        )

    print("| figure | via | n | p50 ms | p95 ms | max ms |\n| --- | --- | ---: | ---: | ---: | ---: |")
    timed(
        "certification rate per district",
        "metrics",
        lambda: skills_metrics.certification_counts(by="district"),
    )
    timed(
        "certification rate per institution (all)",
        "metrics",
        lambda: skills_metrics.certification_counts(by="institution"),
    )
    timed(
        "person-times per district", "metrics", lambda: training_metrics.training_person_times(year=args.year)
    )
    client = Client()
    client.force_login(city)
    timed(
        "certification rate per district",
        "API (city)",
        lambda: client.get("/api/v1/skills/certification-rates?by=district"),
    )
    timed(
        "person-times per district",
        "API (city)",
        lambda: client.get(f"/api/v1/training/person-times?year={args.year}"),
    )
    district_client = Client()
    district_client.force_login(official)
    timed(
        "certification rate per institution of a district",
        "API (district)",
        lambda: district_client.get(
            f"/api/v1/skills/certification-rates?by=institution&district={district.pk}"
        ),
    )
    timed("certification rate per district", "direct aggregate", direct_certification, runs=5)
    timed("person-times per district", "direct aggregate", lambda: direct_person_times(args.year), runs=5)

    before = (
        skills_metrics.certification_counts(by="district"),
        training_metrics.training_person_times(year=args.year),
    )
    assert before[0] == direct_certification(), "certification tally differs from the records before changes"
    assert {k: v for k, v in before[1].items() if v} == direct_person_times(args.year), "person-times differ"
    changes = change_through_services(random.Random(7))
    after_cert = skills_metrics.certification_counts(by="district")
    after_times = training_metrics.training_person_times(year=args.year)
    cert_ok = after_cert == direct_certification()
    times_ok = {k: v for k, v in after_times.items() if v} == direct_person_times(args.year)
    print(f"\nchanges through the services: {changes}")
    print(f"certification counts equal to the records after changes: {cert_ok}")
    print(f"person-times equal to the records after changes: {times_ok}")
    moved = sum(abs(after_cert[d][0] - before[0].get(d, (0, 0))[0]) for d in after_cert)
    print(
        f"(certified counts moved by {moved} across districts; person-times total "
        f"{sum(before[1].values())} → {sum(after_times.values())})"
    )
    if not (cert_ok and times_ok):
        raise SystemExit("MISMATCH")


if __name__ == "__main__":
    main()
