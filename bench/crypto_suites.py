"""Cipher suites: encrypt + blind index cost per 100,000 ID numbers for each suite (same run), and the time
`careforce rotate-pii-keys` takes to move 100,000 workers from AES-256-GCM to SM4-GCM.

    python bench/crypto_suites.py --ids 100000
    python bench/crypto_suites.py --ids 100000 --rotation-workers 100000
    python bench/crypto_suites.py --rotation-workers 100000 --database-url postgres://postgres@127.0.0.1:5432/careforce_bench_rotation

The rotation database (SQLite under var/bench/ by default) is generated once under AES with the registry's
own write path (careforce.registry.demo.load), kept, and copied before each timed rotation (SQLite) or
rotated back to AES first (PostgreSQL).
"""

from __future__ import annotations

import argparse
import os
import random
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.common import (
    PROJECT_DIR,
    ensure_postgres_database,
    git_revision,
    machine,
    setup_django,
    sqlite_url,
)

AES_NAME, SM4_NAME = "aes256gcm-hmacsha256", "sm4gcm-hmacsm3"
DEV_SM4 = "2:Y2YtZGV2LXNtNC1OT1RLWQ=="


def id_numbers(n: int) -> list[str]:
    rng = random.Random(7)
    return [
        f"500103{rng.randint(1950, 2005)}{rng.randint(101, 1228):04d}{rng.randint(0, 9999):04d}"
        for _ in range(n)
    ]


def time_suites(n: int, runs: int) -> None:
    from django.conf import settings
    from django.test import override_settings

    from careforce.core import crypto

    numbers = id_numbers(n)
    print(f"\n{n:,} ID numbers, best and median of {runs} runs (seconds)\n")
    print("| suite | encrypt | blind index | encrypt + index | decrypt |")
    print("| --- | --- | --- | --- | --- |")
    for suite in (AES_NAME, SM4_NAME):
        keys = f"{DEV_SM4},{settings.PII_KEYS}" if suite == SM4_NAME else settings.PII_KEYS
        with override_settings(CRYPTO_SUITE=suite, PII_KEYS=keys):
            enc, idx, dec = [], [], []
            for _ in range(runs):
                started = time.perf_counter()
                blobs = [crypto.encrypt(v, context=b"worker.id_number") for v in numbers]
                enc.append(time.perf_counter() - started)
                started = time.perf_counter()
                for v in numbers:
                    crypto.blind_index(v, purpose="id_number")
                idx.append(time.perf_counter() - started)
                started = time.perf_counter()
                for b in blobs:
                    crypto.decrypt(b, context=b"worker.id_number")
                dec.append(time.perf_counter() - started)
            both = [e + i for e, i in zip(enc, idx, strict=True)]

            def cell(values: list[float]) -> str:
                return f"{min(values):.2f} / {statistics.median(values):.2f}"

            print(f"| {suite} | {cell(enc)} | {cell(idx)} | {cell(both)} | {cell(dec)} |")


def _env(database_url: str, **extra: str) -> dict[str, str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("CAREFORCE_") and k != "DATABASE_URL"}
    return {**clean, "CAREFORCE_ENV": "development", "DEBUG": "0", "DATABASE_URL": database_url, **extra}


def _careforce(args: list[str], env: dict[str, str]) -> float:
    started = time.perf_counter()
    subprocess.run(
        [str(Path(sys.executable).parent / "careforce"), *args], env=env, check=True, cwd=PROJECT_DIR
    )
    return time.perf_counter() - started


def time_rotation(workers: int, database_url: str | None, batch_size: int) -> None:
    if database_url is None:
        source = PROJECT_DIR / "var" / "bench" / f"rotation-{workers}.sqlite3"
        work = source.with_name(f"rotation-{workers}-work.sqlite3")
        url = sqlite_url(source)
    else:
        ensure_postgres_database(database_url)
        source = work = None
        url = database_url
    aes = _env(url)
    _careforce(["migrate", "-v0"], aes)
    code = (
        "import django; django.setup()\n"
        "from careforce.registry.models import Worker\nfrom careforce.registry import demo\n"
        f"n = Worker.objects.count()\nassert n in (0, {workers}), n\n"
        f"n or demo.load(workers={workers}, institutions=200, batch_size=5000)\n"
    )
    subprocess.run(
        [sys.executable, "-c", code],
        env={**aes, "DJANGO_SETTINGS_MODULE": "careforce.settings"},
        check=True,
        cwd=PROJECT_DIR,
    )
    if source is not None:
        for suffix in ("", "-wal", "-shm"):
            Path(f"{work}{suffix}").unlink(missing_ok=True)
        shutil.copy2(source, work)
        url = sqlite_url(work)
    else:  # PostgreSQL: make sure it starts from AES (a previous run may have left it under SM4)
        _careforce(
            ["rotate-pii-keys", "-v0", "--batch-size", str(batch_size)],
            _env(
                url, CAREFORCE_BLIND_INDEX_PREVIOUS=SM4_NAME, CAREFORCE_PII_KEYS=f"1:{_dev_aes()},{DEV_SM4}"
            ),
        )
    sm4 = _env(url, CAREFORCE_CRYPTO_SUITE=SM4_NAME, CAREFORCE_BLIND_INDEX_PREVIOUS=AES_NAME)
    seconds = _careforce(["rotate-pii-keys", "-v0", "--batch-size", str(batch_size)], sm4)
    vendor = "PostgreSQL" if url.startswith("postgres") else "SQLite"
    print(
        f"\nrotate-pii-keys AES-256-GCM → SM4-GCM, {workers:,} workers ({vendor}, batches of "
        f"{batch_size:,}): {seconds:.1f} s wall clock ({workers / seconds:,.0f} workers/s)"
    )


def _dev_aes() -> str:
    from django.conf import settings

    return settings.DEV_PII_KEYS.split(":", 1)[1]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--ids", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=3)
    parser.add_argument("--rotation-workers", type=int, default=0)
    parser.add_argument("--batch-size", type=int, default=2000)
    parser.add_argument("--database-url")
    args = parser.parse_args()
    setup_django(sqlite_url(PROJECT_DIR / "var" / "bench" / "crypto.sqlite3"))
    print(f"revision {git_revision()}; {machine()}")
    if args.ids:
        time_suites(args.ids, args.runs)
    if args.rotation_workers:
        time_rotation(args.rotation_workers, args.database_url, args.batch_size)
    return 0


if __name__ == "__main__":
    sys.exit(main())
