"""Shared helpers of the benchmarks in bench/: database selection, Django set-up, timing statistics.

Benchmarks are scripts, not tests: they print figures, and docs/benchmarks.md records them with the
command that produced them.
"""

from __future__ import annotations

import math
import os
import platform
import re
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlparse

PROJECT_DIR = Path(__file__).resolve().parent.parent
OUT_DIR = PROJECT_DIR / "bench" / "out"
# Database names the tests and development use; a benchmark never touches them.
RESERVED_DATABASES = {"test", "careforce", "postgres", "template0", "template1"}


def setup_django(database_url: str) -> None:
    """Point settings at the bench database (development keys, DEBUG off) and start Django."""
    if str(PROJECT_DIR) not in sys.path:
        sys.path.insert(0, str(PROJECT_DIR))
    os.environ["DATABASE_URL"] = database_url
    os.environ.setdefault("CAREFORCE_ENV", "development")
    os.environ.setdefault("DEBUG", "0")  # no query log, as in production
    os.environ["DJANGO_SETTINGS_MODULE"] = "careforce.settings"
    import django

    django.setup()


def ensure_postgres_database(database_url: str, *, recreate: bool = False) -> None:
    """Create the PostgreSQL database of `database_url` if it is missing (or drop and create it)."""
    import psycopg

    url = urlparse(database_url)
    name = url.path.lstrip("/")
    if not re.fullmatch(r"[a-z_][a-z0-9_]*", name) or name in RESERVED_DATABASES:
        raise SystemExit(f"Refusing database name {name!r}: use a dedicated one such as careforce_bench.")
    admin_url = url._replace(path="/postgres").geturl()
    with psycopg.connect(admin_url, autocommit=True) as conn:
        exists = conn.execute("SELECT 1 FROM pg_database WHERE datname = %s", [name]).fetchone()
        if exists and recreate:
            conn.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
            exists = None
        if not exists:
            conn.execute(f'CREATE DATABASE "{name}"')


def sqlite_url(path: Path) -> str:
    path.parent.mkdir(parents=True, exist_ok=True)
    return f"sqlite:///{path}"


@dataclass
class Stats:
    n: int
    p50: float
    p95: float
    max: float

    def row(self) -> str:
        return f"{self.n:>4}  {self.p50:8.2f}  {self.p95:8.2f}  {self.max:8.2f}"


def percentile(sorted_values: list[float], fraction: float) -> float:
    """Nearest-rank percentile of already sorted values."""
    if not sorted_values:
        return float("nan")
    rank = max(1, math.ceil(fraction * len(sorted_values)))
    return sorted_values[min(rank, len(sorted_values)) - 1]


def measure(fn: Callable[[], object], *, runs: int, warmup: int) -> Stats:
    """Milliseconds per call of `fn`, after `warmup` untimed calls."""
    for _ in range(warmup):
        fn()
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        fn()
        times.append((time.perf_counter() - started) * 1000)
    times.sort()
    return Stats(len(times), statistics.median(times), percentile(times, 0.95), times[-1])


def machine() -> str:
    cpu = ""
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    memory = ""
    try:
        kb = int(Path("/proc/meminfo").read_text().split()[1])
        memory = f", {kb / 1024 / 1024:.0f} GB RAM"
    except (OSError, ValueError, IndexError):
        pass
    return (
        f"{os.cpu_count()} cores ({cpu or platform.processor()}){memory}, Python {platform.python_version()}"
    )


def postgres_version(database_url: str) -> str:
    try:
        import psycopg

        with psycopg.connect(database_url) as conn:
            return conn.execute("SHOW server_version").fetchone()[0]
    except Exception:  # informational only
        return "?"


def git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],
            cwd=PROJECT_DIR,
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "?"
