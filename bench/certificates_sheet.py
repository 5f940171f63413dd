"""The certificates import sheet's classify and commit steps: queries and time per batch as it grows.

    python bench/certificates_sheet.py                      # fresh SQLite file under var/bench/
    python bench/certificates_sheet.py --database-url postgres://postgres@127.0.0.1:5432/t4_certs_bench

Steps: a fresh database (migrated), one city administrator, one institution, as many workers as the largest
batch (through the registry service), one registered evaluation body with its range; then, for each batch
size, rows naming those workers by ID number are identified and classified exactly as the importer does,
and the queries and seconds of `classify` and then of `commit` (the batch saved, in one transaction) are
printed. The queries must not grow with the batch.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_postgres_database, git_revision, machine, setup_django, sqlite_url

ROOT = Path(__file__).resolve().parent.parent


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    sizes = sorted(int(s) for s in args.sizes.split(","))
    url = args.database_url
    if not url:
        path = ROOT / "var" / "bench" / "certificates_sheet.sqlite3"
        path.unlink(missing_ok=True)
        url = sqlite_url(path)
    else:
        ensure_postgres_database(url, recreate=True)
    setup_django(url)

    import datetime
    import random

    from django.core.management import call_command
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    from careforce.core.models import District, Role
    from careforce.core.scope import scope_of
    from careforce.core.services import account_create
    from careforce.core.synthetic import credit_code, id_number
    from careforce.imports.sheets import ImportContext, Row, get_sheet
    from careforce.institutions.services import institution_create
    from careforce.registry.services import worker_register
    from careforce.skills import services as skills

    call_command("migrate", verbosity=0)
    rng = random.Random(4)
    city = account_create(username="bench-certs-city", password="pass-word-123", role=Role.CITY_ADMIN)
    home = institution_create(
        actor=city,
        data={
            "name": "渝中区基准养老院",
            "uscc": credit_code(rng, region="500103"),
            "district": District.objects.get(code="500103").pk,
            "kind": "institution",
            "ownership": "private",
            "beds": 200,
        },
    )
    numbers = []
    for n in range(sizes[-1]):
        birth = datetime.date(1960 + n // 1000 % 40, 1 + n // 28 % 12, 1 + n % 28)
        number = id_number(rng, region="500103", birth=birth, sequence=n)
        worker_register(
            actor=city,
            data={
                "name": "张三",
                "id_number": number,
                "education": "senior_high",
                "hukou_type": "rural",
                "source_channel": "rural_migrant",
                "team": "care",
                "occupation": "care_worker",
            },
            employment={
                "institution": home.pk,
                "post": "护理员",
                "start_date": datetime.date(2020, 3, 1),
                "has_labour_contract": True,
            },
        )
        numbers.append(number)
    body = skills.evaluation_body_register(
        actor=city,
        data={
            "name": "重庆市职业技能评价中心",
            "uscc": credit_code(rng, region="500000"),
            "registration_number": "Y00005000001",
            "registered_on": "2021-01-01",
            "district": "500103",
        },
    )
    skills.evaluation_range_set(
        actor=city, body=body, occupation="care_worker", lowest="junior", highest="technician"
    )
    sheet = get_sheet("certificates")
    print(f"# {machine()}; {connection.vendor}; {git_revision()}")
    print(
        "| rows | classify queries | classify seconds | commit queries | commit seconds |\n"
        "| ---: | ---: | ---: | ---: | ---: |"
    )
    for size in sizes:
        rows = [
            Row(
                number=i + 2,
                values={
                    "number": f"B{size:05d}{i:06d}",
                    "id_number": numbers[i],
                    "name": "张三",
                    "occupation": "养老护理员",
                    "level": "初级工",
                    "issuer": body.registration_number,
                    "issued_on": "2024-01-01",
                },
            )
            for i in range(size)
        ]
        ctx = ImportContext(actor=city, scope=scope_of(city))
        for row in rows:
            row.key = sheet.identify(row, ctx)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as queries:
            sheet.classify(rows, ctx)
        took = time.perf_counter() - started
        bad = [row.errors for row in rows if not row.ok]
        if bad:
            raise SystemExit(f"rows refused: {bad[:3]}")
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as written, transaction.atomic():
            sheet.commit(rows, ctx)
        wrote = time.perf_counter() - started
        print(f"| {size:,} | {len(queries)} | {took:.3f} | {len(written)} | {wrote:.3f} |")


if __name__ == "__main__":
    main()
