"""The cost of the lookup log and limit on the search API: GET /api/v1/workers?q=<full ID number>.

    python bench/lookup_log.py                                   # fresh SQLite file under var/bench/
    python bench/lookup_log.py --cache db                        # the count in Django's database cache
    python bench/lookup_log.py --database-url postgres://postgres@127.0.0.1:5432/careforce_bench_lookup

Steps: a fresh database (migrated), --workers workers through the demo loader (the registration service),
one city auditor signed in through Django's test client (the whole middleware stack). Then --runs lookups of
full ID numbers (half registered, half nobody's), alternating request by request between

- before: the search as it was (the identifier is still searched through its blind index, but nothing is
  counted or logged: `identifier_kind` answers None),
- after: each lookup counted against the account's limit (django-ratelimit in the configured cache; the limit
  set high enough not to refuse) and written to the access log (one INSERT, plus one query for whom a
  number belongs to when the searcher's scope holds nobody),

and prints the milliseconds per request (p50, p95, max) of each, and the rows written.
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
    Stats,
    ensure_postgres_database,
    git_revision,
    machine,
    percentile,
    setup_django,
    sqlite_url,
)

ROOT = Path(__file__).resolve().parent.parent


def stats(times: list[float]) -> Stats:
    import statistics

    times = sorted(times)
    return Stats(len(times), statistics.median(times), percentile(times, 0.95), times[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--workers", type=int, default=5000)
    parser.add_argument("--runs", type=int, default=400, help="lookups measured in each mode")
    parser.add_argument("--cache", choices=["configured", "db"], default="configured")
    args = parser.parse_args()
    url = args.database_url
    if not url:
        path = ROOT / "var" / "bench" / "lookup_log.sqlite3"
        path.unlink(missing_ok=True)
        url = sqlite_url(path)
    else:
        ensure_postgres_database(url, recreate=True)
    setup_django(url)
    import logging

    logging.disable(logging.WARNING)

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test import Client
    from django.test.utils import override_settings

    from careforce.core.models import RecordAccess, Role
    from careforce.core.services import account_create
    from careforce.core.synthetic import id_number
    from careforce.registry import demo, selectors
    from careforce.registry.models import Worker

    call_command("migrate", verbosity=0)
    overrides = {"LOOKUP_RATE": "100000000/h"}
    if args.cache == "db":
        overrides["CACHES"] = {
            "default": {"BACKEND": "django.core.cache.backends.db.DatabaseCache", "LOCATION": "bench_cache"}
        }
    with override_settings(**overrides):
        if args.cache == "db":
            call_command("createcachetable", verbosity=0)
        demo.load(workers=args.workers, institutions=max(10, args.workers // 100), log=lambda *a, **k: None)
        rng = random.Random(20261207)
        known = [w.reveal_id_number() for w in Worker.objects.order_by("?")[:200]]
        unknown = [
            id_number(rng, region="500103", birth=datetime.date(1980, 1, 1), sequence=n) for n in range(200)
        ]
        numbers = [known[i % len(known)] if i % 2 else unknown[i % len(unknown)] for i in range(args.runs)]
        auditor = account_create(username="bench-auditor", password="bench-password-2026", role=Role.AUDITOR)
        client = Client()
        client.force_login(auditor)
        real_kind = selectors.identifier_kind

        def lookup(number: str) -> float:
            started = time.perf_counter()
            response = client.get("/api/v1/workers", {"q": number})
            elapsed = (time.perf_counter() - started) * 1000
            assert response.status_code == 200, response.status_code
            return elapsed

        for number in numbers[:20]:  # warm-up, both modes
            lookup(number)
            selectors.identifier_kind = lambda _text: None
            lookup(number)
            selectors.identifier_kind = real_kind
        RecordAccess.objects.all().delete()
        before: list[float] = []
        after: list[float] = []
        for number in numbers:
            selectors.identifier_kind = lambda _text: None
            before.append(lookup(number))
            selectors.identifier_kind = real_kind
            after.append(lookup(number))
        rows = RecordAccess.objects.count()
        cache = settings.CACHES["default"]["BACKEND"].rsplit(".", 1)[-1]
    print(f"revision {git_revision()}; {machine()}; {connections['default'].vendor}; cache {cache}")
    print(f"{args.workers} workers, {args.runs} lookups per mode (half registered), alternating")
    print(f"{'mode':<32} {'n':>4}  {'p50 ms':>8}  {'p95 ms':>8}  {'max ms':>8}")
    print(f"{'before (no count, no log)':<32} {stats(before).row()}")
    print(f"{'after (counted and logged)':<32} {stats(after).row()}")
    print(f"access-log rows written: {rows}")


if __name__ == "__main__":
    main()
