"""CPU per request, one route at a time: what the load benchmark's throughput is made of.

    set -a; . var/bench/load-keys.env; set +a
    .venv/bin/python bench/request_cost.py --database-url postgres://postgres@127.0.0.1:5432/cf_load_bench

One gunicorn worker in production mode (bench/load.py's environment and accounts: Redis sessions and cache,
the second factor, CSP, the access log), one client sending requests one after another, so nothing queues
and no process waits for a core. For each route: the wall time per request, the CPU seconds the worker
process spent per request (from /proc), and the CPU the PostgreSQL server processes of the database spent
per request (every backend connected to it, the tasks worker's included). The sign-in page is the load
benchmark's trivial baseline; at 50 clients on 2 cores, throughput is roughly the cores divided by the CPU
per request of the server, PostgreSQL, Redis and the load tool together, so these columns explain the
ratios bench/load.py measures.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import load  # bench/load.py: environment, accounts, server, sign-in

TICKS = os.sysconf("SC_CLK_TCK")

ROUTES = [
    ("sign-in page (baseline)", None, "/accounts/login/"),
    ("API worker list, city admin", "city", "/api/v1/workers"),
    ("API worker list, district admin", "district", "/api/v1/workers"),
    ("API worker search (pinyin), city admin", "city", "/api/v1/workers?q=zhang"),
    ("API worker search (name), district admin", "district", "/api/v1/workers?q=%E7%8E%8B"),
    ("API worker detail, city admin", "city", "/api/v1/workers/{worker}"),
    ("HTML worker list, city admin", "city", "/workers/"),
    ("HTML worker list, district admin", "district", "/workers/"),
    ("indicators catalogue, city admin", "city", "/api/v1/indicators"),
    ("district dashboard data, district admin", "district", "/api/v1/indicators?district={district}"),
]


def cpu_seconds(pid: int) -> float:
    try:
        with open(f"/proc/{pid}/stat") as handle:
            fields = handle.read().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / TICKS  # utime + stime


def backends(database: str) -> list[int]:
    sql = f"SELECT pid FROM pg_stat_activity WHERE datname = '{database}' AND pid <> pg_backend_pid()"
    out = subprocess.run(
        ["psql", "-h", "127.0.0.1", "-U", "postgres", "-d", database, "-Atc", sql],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return [int(pid) for pid in out.split()]


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cf_load_bench")
    parser.add_argument("--port", type=int, default=8766)
    parser.add_argument("--requests", type=int, default=500, help="per route and round")
    parser.add_argument("--rounds", type=int, default=3, help="rounds over all routes (median shown)")
    args = parser.parse_args()

    env = load.production_env(args.database_url, args.port, 1)
    info = load.setup(env)
    server = load.Server(env, args.port)
    server.start()
    database = args.database_url.rsplit("/", 1)[1]
    figures: dict[str, list[tuple[float, float, float]]] = {label: [] for label, _who, _path in ROUTES}
    try:
        out = subprocess.run(["pgrep", "-f", "gunicorn -c deploy"], capture_output=True, text=True).stdout
        worker = max(int(pid) for pid in out.split())  # the one worker (forked after the master)
        sessions = {
            "city": load.sign_in(args.port, "load-city"),
            "district": load.sign_in(args.port, "load-district"),
        }
        for _round in range(args.rounds):
            for label, who, path in ROUTES:
                session = sessions[who] if who else load.Session(args.port)
                path = path.format(worker=info["worker_ids"][0], district=info["district_id"])
                for _ in range(20):  # warm: the process's caches, the database's buffers
                    status, _h, _b = session.request("GET", path)
                    assert status == 200, (label, status)
                pids = backends(database)
                python0, pg0 = cpu_seconds(worker), sum(cpu_seconds(pid) for pid in pids)
                started = time.perf_counter()
                for _ in range(args.requests):
                    session.request("GET", path)
                wall = (time.perf_counter() - started) / args.requests
                python = (cpu_seconds(worker) - python0) / args.requests
                pg = (sum(cpu_seconds(pid) for pid in pids) - pg0) / args.requests
                figures[label].append((wall, python, pg))
    finally:
        server.stop()

    print(f"{load.machine()}; {info['workers']:,} workers; one gunicorn worker, one client")
    print(f"{args.requests} requests per route, median of {args.rounds} rounds\n")
    print("| route | wall ms | server CPU ms | PostgreSQL CPU ms | CPU ms together | vs sign-in page |")
    print("| --- | ---: | ---: | ---: | ---: | ---: |")
    base = None
    for label, _who, _path in ROUTES:
        wall, python, pg = (statistics.median(values) for values in zip(*figures[label], strict=True))
        together = python + pg
        base = base or together
        print(
            f"| {label} | {wall * 1000:.2f} | {python * 1000:.2f} | {pg * 1000:.2f} | {together * 1000:.2f} "
            f"| {base / together:.0%} |"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
