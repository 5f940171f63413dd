"""Time-bank benchmark on PostgreSQL: concurrent withdrawals, a large ledger's balance and statement
latency, and a batch of deposits killed with SIGKILL and run again.

    python bench/timebank.py --database-url postgres://postgres@127.0.0.1:5432/careforce_bench_timebank \
        [--entries 10000000] [--volunteers 100000] [--fresh]

1. 50 threads (50 database connections) each withdraw 1 hour (a service order) at the same moment from one
   account holding 10 hours: counts of successes, "insufficient balance" refusals and anything else
   (deadlock, server error); the books are then reconciled.
2. A ledger of --entries entries (deposits of 1 hour from the verified-service source to --volunteers
   accounts, two entries a movement, running balances kept), generated set-based on the server
   (INSERT … SELECT generate_series; no row passes through Python; foreign-key triggers skipped for the
   load with session_replication_role = replica), then VACUUM ANALYZE. Timed through
   Django's test client with the whole middleware stack, signed in as a city-wide auditor, on random
   volunteers: GET /api/v1/timebank/volunteers/{id} (balance), GET …/statement (newest 50 entries), and the
   statement page /timebank/volunteers/{id}/statement/ and the volunteer's page /timebank/volunteers/{id}/
   (balance, statement, relatives, orders, forms).
3. A sheet of --batch verified service records imported by `careforce timebank_import` in a subprocess,
   killed with SIGKILL part-way, then the same command run again: every record must be credited exactly once.
"""

from __future__ import annotations

import argparse
import datetime
import itertools
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from decimal import Decimal
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PROJECT_DIR,
    ensure_postgres_database,
    git_revision,
    machine,
    measure,
    postgres_version,
    setup_django,
)


def users():
    from careforce.core.models import Role, User
    from careforce.core.services import account_create

    city = User.objects.filter(username="bench-tb-city").first() or account_create(
        username="bench-tb-city", password=None, role=Role.CITY_ADMIN
    )
    auditor = User.objects.filter(username="bench-tb-auditor").first() or account_create(
        username="bench-tb-auditor", password=None, role=Role.AUDITOR
    )
    return city, auditor


def new_id(rng: random.Random, n: int, birth: datetime.date | None = None) -> str:
    from careforce.core.synthetic import id_number

    birth = birth or datetime.date(1955 + rng.randrange(40), 1 + rng.randrange(12), 1 + rng.randrange(28))
    return id_number(rng, region="500103", birth=birth, sequence=n)


def concurrent_withdrawals(city, rng: random.Random, threads: int = 50) -> dict:
    from django.core.exceptions import ValidationError
    from django.db import connections

    from careforce.timebank import selectors, services
    from careforce.timebank.models import Rules

    Rules.objects.update(daily_limit_hours=Decimal("1000"), min_withdrawal_age=0)
    tag = f"{time.time_ns()}"
    site = services.site_create(
        actor=city, data={"code": f"BC{tag[-10:]}", "name": "并发测试站", "district": "500103"}
    )
    who = services.volunteer_register(
        actor=city,
        data={"name": "并发志愿者", "district": "500103", "id_number": new_id(rng, rng.randrange(1000))},
    )
    services.record_submit(
        actor=city,
        data={
            "source_key": f"bench-c-{tag}",
            "volunteer": who,
            "site": site.pk,
            "kind": "meals",
            "recipient": "王奶奶",
            "served_on": "2026-11-01",
            "hours": "8",
        },
        verify=True,
    )
    services.record_submit(
        actor=city,
        data={
            "source_key": f"bench-c2-{tag}",
            "volunteer": who,
            "site": site.pk,
            "kind": "meals",
            "recipient": "王奶奶",
            "served_on": "2026-11-02",
            "hours": "2",
        },
        verify=True,
    )
    assert selectors.balance(who) == 10
    barrier = threading.Barrier(threads)
    outcomes: list[str] = []
    lock = threading.Lock()

    def withdraw():
        try:
            barrier.wait(60)
            services.order_request(
                actor=city, volunteer=who, data={"site": site.pk, "kind": "meals", "hours": "1"}
            )
            outcome = "ok"
        except ValidationError as exc:
            outcome = exc.code or "validation"
        except Exception as exc:  # a deadlock or another server error
            outcome = type(exc).__name__
        finally:
            connections.close_all()
        with lock:
            outcomes.append(outcome)

    started = time.monotonic()
    pool = [threading.Thread(target=withdraw) for _ in range(threads)]
    for thread in pool:
        thread.start()
    for thread in pool:
        thread.join()
    elapsed = time.monotonic() - started
    Rules.objects.update(daily_limit_hours=Decimal("8"), min_withdrawal_age=60)
    counts = {name: outcomes.count(name) for name in sorted(set(outcomes))}
    return {"counts": counts, "balance": selectors.balance(who), "seconds": elapsed}


def generate_ledger(entries: int, volunteers: int, chunk: int = 500_000) -> None:
    from django.db import connection

    from careforce.core.models import District
    from careforce.timebank.models import Account, AccountKind, Unit

    movements = entries // 2
    districts = list(District.objects.order_by("id").values_list("id", flat=True))
    with connection.cursor() as c:
        # A bulk load of rows consistent by construction: the foreign-key triggers are skipped for this
        # session (the standard bulk-load setting; needs a superuser), the constraints stay in place.
        c.execute("SET session_replication_role = replica")
        started = time.monotonic()
        c.execute("SELECT coalesce(max(id), 0) FROM timebank_volunteer")
        first_volunteer = c.fetchone()[0] + 1
        c.execute(
            """
            INSERT INTO timebank_volunteer (id, name, id_number_encrypted, id_number_hash, id_region, id_last4,
                birth_date, phone_encrypted, phone_hash, phone_prefix, phone_last4, district_id, created_at)
            SELECT %s + g, '志愿者' || g, '\\x00'::bytea, md5('bench-volunteer-' || (%s + g)), '500103',
                lpad((g %% 10000)::text, 4, '0'), date '1960-01-01' + (g %% 9000), NULL, '', '', '',
                (%s::bigint[])[1 + g %% %s], now()
            FROM generate_series(0, %s - 1) g
            """,
            [first_volunteer, first_volunteer, districts, len(districts), volunteers],
        )
        c.execute(
            "SELECT setval(pg_get_serial_sequence('timebank_volunteer', 'id'), (SELECT max(id) FROM timebank_volunteer))"
        )
        c.execute("SELECT coalesce(max(id), 0) FROM timebank_account")
        first_account = c.fetchone()[0] + 1
        c.execute(
            """
            INSERT INTO timebank_account (id, unit, kind, volunteer_id, balance)
            SELECT %s + g, 'hours', 'person', %s + g, 0 FROM generate_series(0, %s - 1) g
            """,
            [first_account, first_volunteer, volunteers],
        )
        c.execute(
            "SELECT setval(pg_get_serial_sequence('timebank_account', 'id'), (SELECT max(id) FROM timebank_account))"
        )
        print(f"  {volunteers:,} volunteers and accounts: {time.monotonic() - started:.1f} s", flush=True)
        source = Account.objects.get(kind=AccountKind.SOURCE, unit=Unit.HOURS)
        source_before = source.balance
        done = 0
        while done < movements:
            n = min(chunk, movements - done)
            started = time.monotonic()
            c.execute("SELECT coalesce(max(id), 0) FROM timebank_movement")
            first_movement = c.fetchone()[0] + 1
            c.execute(
                """
                INSERT INTO timebank_movement (id, kind, unit, amount, at, source_key, memo)
                SELECT %s + g, 'deposit', 'hours', 1.00, now() - make_interval(secs => %s - %s - g), NULL, 'bench'
                FROM generate_series(0, %s - 1) g
                """,
                [first_movement, movements, done, n],
            )
            inserted = time.monotonic()
            # Movement number k (0-based over the whole ledger) credits account k mod V; its running balance
            # there is k div V + 1, and the source's is its balance before minus k + 1.
            c.execute(
                """
                INSERT INTO timebank_entry (movement_id, account_id, amount, balance_after, at)
                SELECT %(m)s + g, %(src)s, -1.00, %(sb)s - (%(done)s + g + 1), now()
                FROM generate_series(0, %(n)s - 1) g
                UNION ALL
                SELECT %(m)s + g, %(acc)s + ((%(done)s + g) %% %(v)s), 1.00, (%(done)s + g) / %(v)s + 1, now()
                FROM generate_series(0, %(n)s - 1) g
                """,
                {
                    "m": first_movement,
                    "src": source.pk,
                    "sb": source_before,
                    "done": done,
                    "n": n,
                    "acc": first_account,
                    "v": volunteers,
                },
            )
            done += n
            print(
                f"  movements {done:,} / {movements:,} ({2 * done:,} entries): {time.monotonic() - started:.1f} s"
                f" (movements {inserted - started:.1f} s)",
                flush=True,
            )
        c.execute(
            "SELECT setval(pg_get_serial_sequence('timebank_movement', 'id'), (SELECT max(id) FROM timebank_movement))"
        )
        started = time.monotonic()
        c.execute(
            """
            UPDATE timebank_account a SET balance = a.balance + (%(movements)s / %(v)s)
                + CASE WHEN a.id - %(acc)s < %(movements)s %% %(v)s THEN 1 ELSE 0 END
            WHERE a.id >= %(acc)s AND a.id < %(acc)s + %(v)s
            """,
            {"movements": movements, "v": volunteers, "acc": first_account},
        )
        c.execute("UPDATE timebank_account SET balance = balance - %s WHERE id = %s", [movements, source.pk])
        c.execute("SET session_replication_role = origin")
        print(f"  balances set: {time.monotonic() - started:.1f} s", flush=True)


def vacuum() -> None:
    import psycopg
    from django.conf import settings

    db = settings.DATABASES["default"]
    started = time.monotonic()
    with psycopg.connect(
        host=db["HOST"], port=db["PORT"] or 5432, user=db["USER"], dbname=db["NAME"], autocommit=True
    ) as conn:
        for table in ("timebank_entry", "timebank_movement", "timebank_account", "timebank_volunteer"):
            conn.execute(f"VACUUM ANALYZE {table}")
    print(f"  VACUUM ANALYZE: {time.monotonic() - started:.1f} s", flush=True)


def latency(auditor, runs: int) -> list[tuple[str, object]]:
    from django.test import Client
    from django.test.utils import setup_test_environment

    from careforce.timebank.models import Volunteer

    setup_test_environment()
    client = Client()
    client.force_login(auditor)
    ids = list(Volunteer.objects.order_by("?").values_list("pk", flat=True)[: runs + 20])
    picks = itertools.cycle(ids)

    def get(url):
        response = client.get(url, HTTP_HOST="127.0.0.1")
        assert response.status_code == 200, (url, response.status_code)

    results = []
    for label, template in (
        ("GET /api/v1/timebank/volunteers/{id} (balance)", "/api/v1/timebank/volunteers/{}"),
        (
            "GET /api/v1/timebank/volunteers/{id}/statement (50 newest)",
            "/api/v1/timebank/volunteers/{}/statement",
        ),
        (
            "GET /timebank/volunteers/{id}/statement/ (statement page, 50 newest)",
            "/timebank/volunteers/{}/statement/",
        ),
        ("GET /timebank/volunteers/{id}/ (page: balance, statement, forms)", "/timebank/volunteers/{}/"),
    ):
        results.append((label, measure(lambda t=template: get(t.format(next(picks))), runs=runs, warmup=10)))
    # The database's share: the two reads the pages make, without the web stack.
    from careforce.timebank import selectors

    people = itertools.cycle(list(Volunteer.objects.filter(pk__in=ids)))
    results.append(
        (
            "selectors.balance (one indexed row)",
            measure(lambda: selectors.balance(next(people)), runs=runs, warmup=10),
        )
    )
    results.append(
        (
            "selectors.statement (50 newest, index walk)",
            measure(lambda: selectors.statement(next(people)), runs=runs, warmup=10),
        )
    )
    return results


def kill_and_rerun(city, rng: random.Random, batch: int, kill_after: int) -> dict:
    import openpyxl

    from careforce.timebank import services
    from careforce.timebank.models import Movement, ServiceRecord, Volunteer

    tag = f"K{time.time_ns() % 10**9}"
    site = services.site_create(actor=city, data={"code": tag, "name": "批量导入站", "district": "500103"})
    people = []
    for n in range(max(1, batch // 10)):
        number = new_id(rng, 10_000 + n + rng.randrange(10**6))
        while Volunteer.objects.filter(
            id_number_hash=services.crypto.blind_index(number, purpose="id_number")
        ).exists():
            number = new_id(rng, rng.randrange(10**6))
        services.volunteer_register(
            actor=city, data={"name": f"导入{n}", "district": "500103", "id_number": number}
        )
        people.append(number)
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(
        ["记录编号", "志愿者身份证号", "服务站点编码", "服务类型", "服务对象", "服务日期", "时长(小时)"]
    )
    for n in range(batch):
        sheet.append([f"{tag}-{n:06d}", people[n % len(people)], tag, "meals", "王奶奶", "2026-11-03", "1"])
    path = Path(tempfile.gettempdir()) / f"timebank-{tag}.xlsx"
    book.save(path)
    command = [
        str(PROJECT_DIR / ".venv" / "bin" / "careforce"),
        "timebank_import",
        str(path),
        "--actor",
        city.username,
    ]
    env = {**os.environ}
    records = ServiceRecord.objects.filter(source_key__startswith=tag)
    process = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE)
    while records.count() < kill_after and process.poll() is None:
        time.sleep(0.2)
    os.kill(process.pid, signal.SIGKILL)
    process.wait()
    at_kill = records.count()
    started = time.monotonic()
    rerun = subprocess.run(command, env=env, capture_output=True, text=True)
    rerun_seconds = time.monotonic() - started
    record_ids = list(records.values_list("pk", flat=True))
    keys = [f"record:{pk}:hours" for pk in record_ids]
    credited = Movement.objects.filter(source_key__in=keys).count()
    from django.db.models import Sum

    total = (
        Volunteer.objects.filter(name__startswith="导入", accounts__kind="person", accounts__unit="hours")
        .filter(records__site=site)
        .distinct()
    )
    hours = sum((v.accounts.get(kind="person", unit="hours").balance for v in total), Decimal(0))
    path.unlink(missing_ok=True)
    return {
        "batch": batch,
        "at_kill": at_kill,
        "rerun_output": rerun.stdout.strip(),
        "rerun_seconds": rerun_seconds,
        "records": len(record_ids),
        "credited_movements": credited,
        "hours_on_accounts": hours,
        "sum_check": ServiceRecord.objects.filter(source_key__startswith=tag).aggregate(h=Sum("hours"))["h"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", required=True)
    parser.add_argument("--entries", type=int, default=10_000_000)
    parser.add_argument("--volunteers", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--batch", type=int, default=2000)
    parser.add_argument("--kill-after", type=int, default=400)
    parser.add_argument("--reconcile", action="store_true", help="reconcile the whole ledger at the end")
    parser.add_argument("--fresh", action="store_true")
    args = parser.parse_args()
    if not args.database_url.startswith(("postgres://", "postgresql://")):
        raise SystemExit("This benchmark measures PostgreSQL; give a postgres:// URL.")
    ensure_postgres_database(args.database_url, recreate=args.fresh)
    setup_django(args.database_url)
    from django.core.management import call_command

    call_command("migrate", verbosity=0)
    from careforce.timebank.models import Entry
    from careforce.timebank.services import reconcile

    rng = random.Random(time.time_ns())  # a fresh volunteer each run (their ID numbers are unique)
    city, auditor = users()
    print(
        f"{machine()}; PostgreSQL {postgres_version(args.database_url)}; revision {git_revision()}",
        flush=True,
    )

    print("1. 50 concurrent withdrawals of 1 h from an account of 10 h", flush=True)
    result = concurrent_withdrawals(city, rng)
    print(
        f"  outcomes {result['counts']}; balance after {result['balance']}; {result['seconds']:.2f} s",
        flush=True,
    )
    problems = reconcile() if Entry.objects.count() < 2_000_000 else ["(skipped: ledger already large)"]
    print(f"  reconcile: {problems or 'the books reconcile'}", flush=True)

    print("2. Large ledger", flush=True)
    have = Entry.objects.count()
    if have < args.entries:
        started = time.monotonic()
        generate_ledger(args.entries - have, args.volunteers)
        print(f"  generated in {time.monotonic() - started:.0f} s", flush=True)
        vacuum()
    print(f"  ledger entries: {Entry.objects.count():,}", flush=True)
    # The set-based load writes volunteers and movements beside the services, so the district figures the
    # services keep are rebuilt from the records (as after a restore); the reconciliation checks them.
    from careforce.timebank import tally

    started = time.monotonic()
    tally.rebuild()
    print(f"  district figures rebuilt from the records: {time.monotonic() - started:.1f} s", flush=True)
    print("  n     p50 ms    p95 ms    max ms", flush=True)
    for label, stats in latency(auditor, args.runs):
        print(f"  {stats.row()}  {label}", flush=True)

    print("3. A batch of deposits killed with SIGKILL, then run again", flush=True)
    killed = kill_and_rerun(city, rng, args.batch, args.kill_after)
    for key, value in killed.items():
        print(f"  {key}: {value}", flush=True)
    if args.reconcile:
        started = time.monotonic()
        problems = reconcile()
        print(
            f"  reconcile of the whole ledger: {problems or 'the books reconcile'} ({time.monotonic() - started:.0f} s)"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
