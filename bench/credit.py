"""Credit and rankings benchmark: full credit recompute of 1,000,000 workers, and a ranking of
10,000 institutions computed and published, on PostgreSQL.

    python bench/credit.py --database-url postgres://postgres@127.0.0.1:5432/careforce_bench_credit

Steps: create the database if missing, migrate, generate the inputs unless the database already holds
them, VACUUM ANALYZE, then time
1. the first full recompute (every score new: 1,000,000 rows + 1,000,000 history rows written),
2. a second full recompute with nothing changed (the nightly steady state: reads and compares only),
3. a full recompute after 1 % of the workers got a new evaluation (changed rows only),
4. `ranking_compute` + `ranking_publish` for 10,000 institutions,
5. a full recompute after a new rule version is put in force (every score rewritten, a history row each).

Generation is set-based SQL (INSERT … SELECT generate_series), not the services: 10,000 institutions,
1,000,000 workers with 1–3 employment periods, 500,000 evaluations, 60,000 complaints (40,000
substantiated), 30,000 penalties, 5,000 dishonesty listings, skill levels for 40 % of workers with the
certification tally, and 600,000 completed training enrolments. Personal-data columns the recompute never
reads (encrypted ID, phone) hold placeholder bytes, not real AES-GCM; every column the recompute and the
ranking read holds values of the shapes the services write.
"""

from __future__ import annotations

import argparse
import datetime
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_postgres_database, git_revision, machine, postgres_version, setup_django

STEPS: list[tuple[str, str]] = []


def sql(cursor, label: str, statement: str, params=None) -> None:
    started = time.monotonic()
    cursor.execute(statement, params or [])
    print(f"  {label}: {time.monotonic() - started:.1f} s", flush=True)


def generate(workers: int, institutions: int) -> None:
    from django.db import connection, transaction

    from careforce.core.models import District
    from careforce.registry.models import Occupation

    districts = list(District.objects.order_by("id").values_list("id", flat=True))
    care = Occupation.objects.get(code="care_worker").pk
    print(f"Generating {institutions:,} institutions and {workers:,} workers with SQL …", flush=True)
    with transaction.atomic(), connection.cursor() as c:
        c.execute("SELECT setseed(0.2026)")
        sql(c, "institutions", """
            INSERT INTO institutions_institution (uscc, name, district_id, kind, ownership, is_public_service_unit,
              star_grade, beds, residents_able, residents_mild, residents_moderate, residents_severe, residents_total,
              address, contact_name, contact_phone, created_at, updated_at)
            SELECT 'B' || lpad(i::text, 17, '0'), '基准养老院' || i, (%s::bigint[])[1 + i %% %s], 'institution', 'private', false,
              i %% 6, CASE WHEN i %% 10 = 0 THEN 0 ELSE 20 + i %% 300 END, 0, 0, 0, 0, 0, '', '', '', now(), now()
            FROM generate_series(1, %s) i""", [districts, len(districts), institutions])  # fmt: skip
        c.execute("SELECT min(id), max(id) FROM institutions_institution WHERE uscc LIKE 'B%%'")
        inst_lo, inst_hi = c.fetchone()
        n_inst = inst_hi - inst_lo + 1
        sql(c, "workers", """
            INSERT INTO registry_worker (name, name_pinyin, name_initials, id_number_encrypted, id_number_hash, id_region,
              id_last4, gender, birth_date, phone_encrypted, phone_hash, phone_prefix, phone_last4, education, hukou_type,
              source_channel, team, occupation_id, district_id, institution_id, is_active, created_at, updated_at)
            SELECT '基准' || i, 'jizhun' || i, 'jz', '\\x00'::bytea, md5('w' || i) || md5('x' || i), '500103',
              lpad((i %% 10000)::text, 4, '0'), CASE WHEN i %% 2 = 0 THEN 'F' ELSE 'M' END,
              date '1960-01-01' + (i %% 12000), NULL, '', '', '', 'senior_high', 'rural', 'rural_migrant', 'care', %s,
              inst.district_id, inst.id, i %% 20 <> 0, now(), now()
            FROM generate_series(1, %s) i
            JOIN institutions_institution inst ON inst.id = %s + (i %% %s)""", [care, workers, inst_lo, n_inst])  # fmt: skip
        c.execute("SELECT min(id), max(id) FROM registry_worker WHERE name_pinyin LIKE 'jizhun%%'")
        w_lo, w_hi = c.fetchone()
        sql(c, "employments", """
            INSERT INTO registry_employment (worker_id, institution_id, post, start_date, end_date, has_labour_contract,
              is_part_time, end_reason, created_at, updated_at)
            SELECT w.id, w.institution_id, '护理员', date '2010-01-01' + (w.id %% 5000)::int, NULL, true, false, '', now(), now()
            FROM registry_worker w WHERE w.id BETWEEN %s AND %s
            UNION ALL
            SELECT w.id, w.institution_id, '护理员', date '2004-01-01' + (w.id %% 1500)::int, date '2008-06-30', false, false, '离职', now(), now()
            FROM registry_worker w WHERE w.id BETWEEN %s AND %s AND w.id %% 2 = 0
            UNION ALL
            SELECT w.id, w.institution_id, '兼职', date '2015-01-01' + (w.id %% 2000)::int, NULL, false, true, '', now(), now()
            FROM registry_worker w WHERE w.id BETWEEN %s AND %s AND w.id %% 7 = 0""", [w_lo, w_hi] * 3)  # fmt: skip
        sql(c, "evaluations", """
            INSERT INTO conduct_evaluation (worker_id, institution_id, district_id, evaluator_kind, source, evaluated_on,
              average, comment, created_by_id, created_at)
            SELECT w.id, w.institution_id, w.district_id, 'family', 'import', current_date - (g %% 900),
              1 + ((w.id + g) %% 401) / 100.0, '', NULL, now()
            FROM generate_series(1, %s) g JOIN registry_worker w ON w.id = %s + ((g::bigint * 7919) %% %s)""", [workers // 2, w_lo, workers])  # fmt: skip
        c.execute("SELECT id FROM conduct_complaintchannel WHERE code = 'hotline'")
        channel = c.fetchone()[0]
        sql(c, "complaints", """
            INSERT INTO conduct_complaint (channel_id, worker_id, institution_id, district_id, content, received_on, deadline,
              status, finding, finding_note, concluded_on, closed_on, created_at, updated_at)
            SELECT %s, w.id, w.institution_id, w.district_id, '基准投诉', current_date - (g %% 700), current_date - (g %% 700) + 15,
              CASE WHEN g %% 3 = 0 THEN 'received' WHEN g %% 3 = 1 THEN 'closed' ELSE 'substantiated' END,
              CASE WHEN g %% 3 = 0 THEN '' ELSE 'substantiated' END, '', NULL, NULL, now(), now()
            FROM generate_series(1, %s) g JOIN registry_worker w ON w.id = %s + ((g::bigint * 104729) %% %s)""", [channel, workers * 6 // 100, w_lo, workers])  # fmt: skip
        sql(c, "penalties", """
            INSERT INTO conduct_penalty (worker_id, institution_id, district_id, complaint_id, kind, deciding_body, legal_basis,
              decision_number, fine_amount, decided_on, effective_from, effective_to, note, created_at)
            SELECT w.id, NULL, w.district_id, NULL, (ARRAY['warning','fine','dismissal','trade_ban'])[1 + g %% 4], '区民政局', '基准',
              '', CASE WHEN g %% 4 = 1 THEN 2000 END, current_date - (g %% 2000), current_date - (g %% 2000), NULL, '', now()
            FROM generate_series(1, %s) g JOIN registry_worker w ON w.id = %s + ((g::bigint * 15485863) %% %s)""", [workers * 3 // 100, w_lo, workers])  # fmt: skip
        c.execute("SELECT id FROM credit_dishonestysituation WHERE code = 'elder_abuse'")
        situation = c.fetchone()[0]
        sql(c, "dishonesty listings", """
            INSERT INTO credit_dishonestylisting (worker_id, district_id, situation_id, deciding_body, decision_number, facts,
              start_date, end_date, complaint_id, penalty_id, removed_on, removal_applied_on, removal_reason, created_at)
            SELECT w.id, w.district_id, %s, '市民政局', '', '', current_date - (g %% 1000), NULL, NULL, NULL,
              CASE WHEN g %% 5 = 0 THEN current_date END, NULL, '', now()
            FROM generate_series(1, %s) g JOIN registry_worker w ON w.id = %s + ((g::bigint * 32452843) %% %s)""", [situation, workers // 200, w_lo, workers])  # fmt: skip
        sql(c, "skill levels", """
            INSERT INTO skills_workerskill (worker_id, current_rank, care_certified)
            SELECT w.id, 1 + w.id %% 6, (1 + w.id %% 6) >= 2 FROM registry_worker w
            WHERE w.id BETWEEN %s AND %s AND w.id %% 5 < 2 ON CONFLICT DO NOTHING""", [w_lo, w_hi])  # fmt: skip
        sql(c, "certification tally", """
            INSERT INTO skills_certificationtally (institution_id, care_workers, certified)
            SELECT w.institution_id, count(*), count(*) FILTER (WHERE s.care_certified)
            FROM registry_worker w LEFT JOIN skills_workerskill s ON s.worker_id = w.id
            WHERE w.is_active AND w.institution_id BETWEEN %s AND %s GROUP BY w.institution_id
            ON CONFLICT (institution_id) DO UPDATE SET care_workers = EXCLUDED.care_workers, certified = EXCLUDED.certified""", [inst_lo, inst_hi])  # fmt: skip
    _training(workers, w_lo)


def _training(workers: int, w_lo: int) -> None:
    """600,000 completed enrolments over 50 sessions of one course (through the ORM for the reference
    rows, SQL for the enrolments)."""
    import datetime

    from django.db import connection, transaction

    from careforce.training.models import Course, Session

    with transaction.atomic():
        course_fields = {f.name for f in Course._meta.concrete_fields}
        course = Course(title="基准课程", tier="city", kind="in_service", hours=8)
        if "organiser_district" in course_fields:
            from careforce.core.models import District

            course.organiser_district = District.objects.order_by("id").first()
        course.save()
        sessions = [
            Session.objects.create(
                course=course,
                start_date=datetime.date.today() - datetime.timedelta(days=30 * k),
                end_date=datetime.date.today() - datetime.timedelta(days=30 * k - 2),
                capacity=100_000,
            ).pk
            for k in range(1, 51)
        ]
        with connection.cursor() as c:
            sql(c, "training enrolments", """
                INSERT INTO training_enrolment (session_id, worker_id, status, enrolled_at, completed_on, completed_year, hours,
                  exam_score, exam_passed, district_id, institution_id)
                SELECT (%s::bigint[])[1 + (g %% 50)], w.id, 'completed', now(), current_date - (g %% 1000),
                  extract(year FROM current_date - (g %% 1000))::int, 8, NULL, NULL, w.district_id, w.institution_id
                FROM generate_series(1, %s) g JOIN registry_worker w ON w.id = %s + ((g * 3) %% %s)
                ON CONFLICT DO NOTHING""", [sessions, workers * 6 // 10, w_lo, workers])  # fmt: skip


def vacuum() -> None:
    from django.db import connection

    started = time.monotonic()
    with connection.cursor() as c:
        for table in (
            "registry_worker", "registry_employment", "institutions_institution", "conduct_evaluation",
            "conduct_complaint", "conduct_penalty", "credit_dishonestylisting", "skills_workerskill",
            "training_enrolment", "credit_creditscore", "credit_creditscorehistory",
        ):  # fmt: skip
            c.execute(f"VACUUM (ANALYZE) {table}")
    print(f"VACUUM ANALYZE: {time.monotonic() - started:.1f} s", flush=True)


def timed(label: str, fn):
    started = time.monotonic()
    result = fn()
    seconds = time.monotonic() - started
    STEPS.append((label, f"{seconds:.1f} s"))
    print(f"{label}: {seconds:.1f} s  {result if result is not None else ''}", flush=True)
    return result


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        required=True,
        help="PostgreSQL, e.g. postgres://postgres@127.0.0.1:5432/careforce_bench_credit",
    )
    parser.add_argument("--workers", type=int, default=1_000_000)
    parser.add_argument("--institutions", type=int, default=10_000)
    parser.add_argument("--chunk-size", type=int, default=50_000)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--fresh", action="store_true", help="drop the bench database first")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("This benchmark measures PostgreSQL; give a postgres:// URL.")
    ensure_postgres_database(args.database_url, recreate=args.fresh)
    setup_django(args.database_url)
    from django.core.management import call_command
    from django.db import connection

    call_command("migrate", verbosity=0)
    from careforce.conduct import services as conduct_services
    from careforce.core.models import Role, User
    from careforce.core.services import account_create
    from careforce.credit.models import CreditScore
    from careforce.credit.services import credit_recompute_all
    from careforce.rankings import services as ranking_services
    from careforce.registry.models import Worker

    if Worker.objects.count() < args.workers:
        started = time.monotonic()
        generate(args.workers, args.institutions)
        print(f"Generated in {time.monotonic() - started:.0f} s", flush=True)
        vacuum()
    with connection.cursor() as c:
        c.execute("TRUNCATE credit_creditscore, credit_creditscorehistory")
    n = Worker.objects.count()
    print(
        f"{machine()}; PostgreSQL {postgres_version(args.database_url)}; {n:,} workers; revision {git_revision()}"
    )

    def run():
        s = credit_recompute_all(chunk_size=args.chunk_size, jobs=args.jobs)
        return f"workers={s.workers:,} changed={s.changed:,} history={s.history:,}"

    timed("full recompute, first run (all scores new)", run)
    vacuum()
    timed("full recompute, nothing changed", run)
    city = User.objects.filter(username="bench-city").first() or account_create(
        username="bench-city", password=None, role=Role.CITY_ADMIN
    )
    sample = list(
        Worker.objects.order_by("id").values_list("id", flat=True)[:: max(1, n // (n // 100))][: n // 100]
    )
    started = time.monotonic()
    from careforce.conduct.models import Evaluation, EvaluationSource

    # 1 % of workers get a new evaluation through bulk rows (the service would also recompute each one).
    workers = Worker.objects.filter(pk__in=sample).values_list("pk", "institution_id", "district_id")
    Evaluation.objects.bulk_create(
        [
            Evaluation(
                worker_id=w,
                institution_id=i,
                district_id=d,
                evaluator_kind="family",
                source=EvaluationSource.IMPORT,
                evaluated_on=datetime.date.today(),
                average=5,
            )
            for w, i, d in workers
            if i
        ],
        batch_size=5000,
    )
    print(f"  (added {len(sample):,} evaluations in {time.monotonic() - started:.1f} s)")
    timed("full recompute after 1 % of workers changed", run)
    one = Worker.objects.filter(institution__isnull=False).order_by("id").first()
    timed(
        "one worker through the service (evaluation_create + recompute)",
        lambda: conduct_services.evaluation_create(
            actor=city, data={"worker": one.pk, "evaluator_kind": "elder", "scores": dict.fromkeys(
                ["attitude", "skill", "punctuality", "communication", "hygiene"], 4)}
        ) and None,
    )  # fmt: skip
    assert CreditScore.objects.count() == n

    today = datetime.date.today()
    period = {"period_kind": "quarter", "year": today.year, "number": (today.month - 1) // 3 + 1}
    ranking = timed(
        "ranking computed (10,000 institutions)",
        lambda: ranking_services.ranking_compute(actor=city, data=period),
    )
    timed(
        "ranking published (snapshot copied)",
        lambda: ranking_services.ranking_publish(actor=city, ranking=ranking) and None,
    )
    # A new rule version (a copy of the one in force, base score moved by one point): every score names
    # a new rule, so every row is rewritten and gets a history row - the other bulk case beside the first run.
    from careforce.credit.models import CreditRule
    from careforce.credit.services import credit_rule_activate

    current = CreditRule.objects.get(is_active=True)
    factors, bands = list(current.factors.all()), list(current.bands.all())
    new = CreditRule.objects.create(
        version=CreditRule.objects.order_by("-version").first().version + 1,
        name=f"{current.name} (bench copy)",
        base_score=current.base_score + (1 if current.base_score < 90 else -1),
        min_score=current.min_score,
        max_score=current.max_score,
    )
    for row in [*factors, *bands]:
        row.pk, row.rule = None, new
        row.save()
    credit_rule_activate(actor=city, rule=new)
    vacuum()
    timed("full recompute after a new rule version (every score rewritten, history appended)", run)
    print("\n| step | time |\n| --- | ---: |")
    for label, value in STEPS:
        print(f"| {label} | {value} |")
    return 0


if __name__ == "__main__":
    sys.exit(main())
