"""Run the API fuzz test (tests/test_api_fuzz.py) and count what it did: operations, requests by phase and
generation mode, answers by status, failures, wall time.

    .venv/bin/python bench/api_fuzz.py [--examples N] [--workers 2] [--database-url URL]

Prints a Markdown table for docs/benchmarks.md. The test itself asserts 0 failures; this only counts.
"""

from __future__ import annotations

import argparse
import collections
import json
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--examples", type=int, default=None, help="fuzzed examples per operation")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--database-url", default=None)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        stats = Path(tmp) / "fuzz.jsonl"
        env = {**os.environ, "CAREFORCE_FUZZ_STATS": str(stats), "CAREFORCE_ENV": "development"}
        if args.examples is not None:
            env["CAREFORCE_FUZZ_EXAMPLES"] = str(args.examples)
        if args.database_url:
            env["DATABASE_URL"] = args.database_url
        command = [sys.executable, "-m", "pytest", "tests/test_api_fuzz.py", "-q", "-p", "no:randomly"]
        if args.workers > 1:
            command += ["-n", str(args.workers)]
        started = time.monotonic()
        run = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
        elapsed = time.monotonic() - started
        rows = [json.loads(line) for line in stats.read_text().splitlines()] if stats.exists() else []
    summary = [line for line in run.stdout.splitlines() if " passed" in line or " failed" in line]
    by_role = collections.defaultdict(list)
    for row in rows:
        by_role[row["role"]].append(row)
    print(f"pytest: {summary[-1] if summary else run.returncode}; wall time {elapsed:.0f} s\n")
    print("| run | operations | requests | coverage | fuzzing | examples | negative | 2xx | 4xx | 5xx |")
    print("| --- | --- | --- | --- | --- | --- | --- | --- | --- | --- |")
    for role, items in sorted(by_role.items()):
        phases = collections.Counter(r["phase"] for r in items)
        statuses = collections.Counter(r["status"] // 100 for r in items)
        operations = {r["operation"] for r in items}
        print(
            f"| {role} | {len(operations)} | {len(items)} | {phases['coverage']} | {phases['fuzzing']} | "
            f"{phases['examples']} | {sum(r['mode'] == 'negative' for r in items)} | {statuses[2]} | "
            f"{statuses[4]} | {statuses[5]} |"
        )
    return run.returncode


if __name__ == "__main__":
    sys.exit(main())
