"""Password guessing against the sign-in page: how many wrong passwords are answered before the lockout.

    python bench/login_guessing.py                      # fresh SQLite file under var/bench/
    python bench/login_guessing.py --database-url postgres://postgres@127.0.0.1:5432/careforce_bench_login

Steps: a fresh database (migrated) and one account per run below; then wrong passwords are posted to
/accounts/login/ through Django's test client (the whole middleware stack, django-axes' database handler,
PBKDF2 as configured), at most --tries of them, and the script prints how many were answered as an ordinary
"wrong password" before the first 429, whether the right password is then refused, and the time per try:

1. baseline: the lockout switched off (AXES_ENABLED=False), as before it existed;
2. one client, one address;
3. --processes processes at once (forked, each its own database connection), one account and one address:
   the count lives in the database, so the processes together get no more tries than one.
"""

from __future__ import annotations

import argparse
import multiprocessing
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import ensure_postgres_database, git_revision, machine, setup_django, sqlite_url

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "right-password-2026"
ADDRESS = "10.20.30.40"


def guess(username: str, tries: int, *, stop_at_lockout: bool = True) -> tuple[int, int, float]:
    """(wrong passwords answered as such, 429 answers, seconds) for up to `tries` posts."""
    from django.test import Client

    client = Client(REMOTE_ADDR=ADDRESS)
    answered = locked = 0
    started = time.perf_counter()
    for n in range(tries):
        response = client.post("/accounts/login/", {"username": username, "password": f"guess-{n:04d}"})
        if response.status_code == 429:
            locked += 1
            if stop_at_lockout:
                break
        else:
            answered += 1
    return answered, locked, time.perf_counter() - started


def right_password_status(username: str) -> int:
    from django.test import Client

    return (
        Client(REMOTE_ADDR=ADDRESS)
        .post("/accounts/login/", {"username": username, "password": PASSWORD})
        .status_code
    )


def _worker(args) -> tuple[int, int, float]:
    from django.db import connections

    connections.close_all()  # a forked child opens its own connection
    username, tries = args
    return guess(username, tries, stop_at_lockout=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--database-url", default="")
    parser.add_argument("--tries", type=int, default=60, help="the most wrong passwords a run posts")
    parser.add_argument("--processes", type=int, default=2)
    args = parser.parse_args()
    url = args.database_url
    if not url:
        path = ROOT / "var" / "bench" / "login_guessing.sqlite3"
        path.unlink(missing_ok=True)
        url = sqlite_url(path)
    else:
        ensure_postgres_database(url, recreate=True)
    setup_django(url)
    import logging

    logging.disable(logging.WARNING)  # axes and Django log every refused try; the table says it

    from django.conf import settings
    from django.core.management import call_command
    from django.db import connections
    from django.test.utils import override_settings

    from careforce.core.models import Role
    from careforce.core.services import account_create

    call_command("migrate", verbosity=0)
    for name in ("baseline", "one", "many"):
        account_create(username=f"bench-{name}", password=PASSWORD, role=Role.AUDITOR)
    print(f"revision {git_revision()}; {machine()}; {connections['default'].vendor}")
    print(
        f"limit {settings.AXES_FAILURE_LIMIT} per account and address, cool-off {settings.AXES_COOLOFF_TIME}"
    )
    print(f"{'run':<34} {'answered':>8} {'429s':>5} {'right pw':>8} {'ms/try':>7}")

    def row(label: str, answered: int, locked: int, seconds: float, status: int) -> None:
        per_try = seconds / max(1, answered + locked) * 1000
        print(f"{label:<34} {answered:>8} {locked:>5} {status:>8} {per_try:>7.0f}")

    with override_settings(AXES_ENABLED=False):
        answered, locked, seconds = guess("bench-baseline", args.tries, stop_at_lockout=False)
        status = right_password_status("bench-baseline")
    row("lockout off (baseline)", answered, locked, seconds, status)

    answered, locked, seconds = guess("bench-one", args.tries)
    row("one client", answered, locked, seconds, right_password_status("bench-one"))

    connections.close_all()
    context = multiprocessing.get_context("fork")
    with context.Pool(args.processes) as pool:
        started = time.perf_counter()
        results = pool.map(_worker, [("bench-many", args.tries)] * args.processes)
        seconds = time.perf_counter() - started
    answered = sum(r[0] for r in results)
    locked = sum(r[1] for r in results)
    row(f"{args.processes} processes at once", answered, locked, seconds, right_password_status("bench-many"))


if __name__ == "__main__":
    main()
