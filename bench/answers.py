"""What the indicators' answers cost to build, and what a registration and a transfer cost on the write side.

    DATABASE_URL=postgres://…/db CAREFORCE_ENV=development .venv/bin/python bench/answers.py [--profile]

In one process, on the database given (its keys in the environment): the version statement; the city
catalogue (/api/v1/indicators for a city administrator) and one district's answer (?district=, the
largest district), each built from scratch (the process's district blocks forgotten, as in a new process)
and after one district's figures changed (what each process does after a write: that district's blocks
read again, everything else from memory); then registrations and transfers through the API, with their
statements grouped by table. `--profile` prints the top functions (cProfile, cumulative) of each.
Writes go to the database given: run it on a clone.
"""

from __future__ import annotations

import argparse
import cProfile
import datetime
import io
import json
import os
import pstats
import random
import re
import statistics
import sys
import time
from collections import defaultdict
from pathlib import Path

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))
LARGEST_DISTRICT = "500112"  # 渝北区
# The roster's columns, as in bench/load.py's imports.
HEADERS = "姓名 身份证号码 手机号码 学历 户籍类型 人员类别 职业 来源渠道 机构统一社会信用代码 岗位 入职日期 离职日期 是否签订劳动合同"
HEADERS = HEADERS.split()
ROW_END = ("护理员", "2023-05-01", "", "是")


def timed(fn, repeat: int) -> tuple[float, list[float]]:
    runs = []
    for _ in range(repeat):
        started = time.perf_counter()
        fn()
        runs.append((time.perf_counter() - started) * 1000)
    return statistics.median(runs), runs


def profile(label: str, fn, top: int) -> None:
    prof = cProfile.Profile()
    prof.enable()
    fn()
    prof.disable()
    out = io.StringIO()
    pstats.Stats(prof, stream=out).sort_stats("cumulative").print_stats("/careforce/", top)
    text = out.getvalue()
    body = text[text.find("ncalls") :]
    print(f"--- profile: {label}\n{body}", flush=True)


def statements(label: str, fn) -> None:
    """Runs fn, printing its statements grouped by their first table and verb, by total time."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        fn()
        total = (time.perf_counter() - started) * 1000
    groups: dict[str, list[float]] = defaultdict(list)
    for q in captured.captured_queries:
        sql = q["sql"].lstrip()
        verb = sql.split(None, 1)[0].upper() if sql else "?"
        table = re.search(r'(?:FROM|INTO|UPDATE)\s+"?([a-z_0-9]+)"?', sql, re.I)
        groups[f"{verb} {table.group(1) if table else ''}"].append(float(q["time"]) * 1000)
    spent = sum(sum(v) for v in groups.values())
    print(
        f"--- {label}: {total:.0f} ms, {len(captured.captured_queries)} statements, "
        f"{spent:.0f} ms in the database",
        flush=True,
    )
    for key, times in sorted(groups.items(), key=lambda kv: -sum(kv[1]))[:15]:
        print(f"  {sum(times):8.1f} ms  {len(times):4d} × {key}")


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--repeat", type=int, default=5)
    parser.add_argument("--writes", type=int, default=5, help="registrations and transfers each")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--top", type=int, default=25)
    parser.add_argument("--import-rows", type=int, default=0, help="also import a roster of this many rows")
    parser.add_argument(
        "--processes",
        type=int,
        default=0,
        help="only this: N processes read the catalogue at once right after each change, each building its own "
        "answer (as before the answers were shared) and then through the shared cache",
    )
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careforce.settings")
    import django

    django.setup()
    from django.test import Client
    from django.utils import timezone, translation

    from bench.common import machine
    from careforce.core import tokens
    from careforce.core.models import District, Role, User
    from careforce.core.services import account_create
    from careforce.indicators import api, engine, marks, selectors
    from careforce.institutions.models import Institution
    from careforce.registry.models import Employment, Worker

    translation.activate("zh-hans")
    print(f"{machine()}; {Worker.objects.count():,} workers; load {os.getloadavg()[0]:.2f}", flush=True)
    if args.processes:
        return herd(args.processes, args.rounds)
    district = District.objects.get(code=LARGEST_DISTRICT)
    city = User.objects.filter(username="answers-bench-city").first() or account_create(
        username="answers-bench-city", password="answers-bench-pass-2026", role=Role.CITY_ADMIN
    )
    _token, raw = tokens.token_create(user=city, name="answers bench")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {raw}")

    class Request:
        auth = city

    def catalogue() -> bytes:
        return api.build_answer(Request, None)

    def district_answer() -> bytes:
        return api.build_answer(Request, district.pk)

    median, _ = timed(selectors.readings_version, 50)
    print(f"readings_version (catalogue): {median:.2f} ms (median of 50)")
    median, _ = timed(lambda: selectors.readings_version(district.pk), 50)
    print(f"readings_version (a district): {median:.2f} ms (median of 50)")
    other = District.objects.exclude(pk=district.pk).order_by("code").first()
    cases = (
        ("catalogue", catalogue, district),
        (f"district {district.code}", district_answer, district),
        (f"district {district.code}", district_answer, other),
    )
    for label, build, changed in cases:
        if changed == district:
            cold, runs = timed(lambda b=build: (engine.reset(), b()), args.repeat)
            print(f"{label}, from scratch: median {cold:.0f} ms ({', '.join(f'{r:.0f}' for r in runs)})")

        def after_change(b=build, d=changed):
            marks.bump([d.pk])
            b()

        build()
        warm, runs = timed(after_change, args.repeat)
        runs_text = ", ".join(f"{r:.0f}" for r in runs)
        print(f"{label}, after a change in {changed.code}: median {warm:.0f} ms ({runs_text})", flush=True)
        if args.profile:
            profile(f"{label} after a change in {changed.code}", after_change, args.top)

    # Every district moved at once: what a process reads first after an import of a roster spanning the city
    # (the import moves the version of each district it touched, in its own transaction): every district's
    # figures read again, the answer built, the workers shown checked against a direct count.
    every = list(District.objects.values_list("pk", flat=True))
    moved_runs, catalogue_runs = [], []
    for _ in range(args.repeat):
        engine.blocks()
        marks.bump(every, everything=True)
        started = time.perf_counter()
        shown = engine.total(engine.blocks().values())["workers"]
        moved_runs.append((time.perf_counter() - started) * 1000)
        marks.bump(every, everything=True)
        catalogue_runs.append(timed(catalogue, 1)[0])
    counted = Worker.objects.filter(is_active=True).count()
    print(
        f"every district moved: first read of the figures median {statistics.median(moved_runs):.0f} ms "
        f"(max {max(moved_runs):.0f}), the catalogue built median {statistics.median(catalogue_runs):.0f} ms "
        f"(max {max(catalogue_runs):.0f}); workers shown {shown:,}, direct count {counted:,}"
        f"{'' if shown == counted else ' — DIFFERENT'}",
        flush=True,
    )

    # Served from the shared cache (what a process that did not build pays, beyond the version).
    from django.core.cache import cache

    body = catalogue()
    cache.set("indicators:answers-bench", ("tag", body), timeout=60)
    shared_ms, _ = timed(lambda: cache.get("indicators:answers-bench"), 50)
    cache.delete("indicators:answers-bench")
    print(f"catalogue from the shared cache ({type(cache).__name__}): {shared_ms:.2f} ms (median of 50)")
    print(f"answer sizes: catalogue {len(catalogue()):,} B, district {len(district_answer()):,} B")

    rng = random.Random(time.time_ns())  # numbers nobody registered in an earlier run
    institutions = list(Institution.objects.order_by("id").values_list("id", flat=True)[:2000])
    movers = list(
        Employment.objects.filter(
            worker__district=district,
            end_date__isnull=True,
            is_part_time=False,
            start_date__lt=timezone.localdate(),
        )
        .order_by("-worker_id")
        .values_list("worker_id", flat=True)
        .distinct()[: args.writes + 5]
    )

    numbers = fresh_id_numbers(rng, args.writes + 5)

    def register() -> None:
        payload = {
            "name": "王芳测",
            "id_number": numbers.pop(),
            "education": "高中",
            "hukou_type": "农村",
            "source_channel": "其他",
            "team": "care",
            "occupation": "养老护理员",
            "employment": {
                "institution": rng.choice(institutions),
                "post": "护理员",
                "start_date": "2024-03-01",
                "has_labour_contract": True,
            },
        }
        response = client.post("/api/v1/workers", json.dumps(payload), content_type="application/json")
        assert response.status_code == 201, response.content[:300]

    def transfer() -> None:
        response = client.post(
            f"/api/v1/workers/{movers.pop()}/transfer",
            json.dumps(
                {
                    "institution": rng.choice(institutions),
                    "post": "护理员",
                    "start_date": timezone.localdate().isoformat(),
                }
            ),
            content_type="application/json",
        )
        assert response.status_code == 200, response.content[:300]

    for label, write in (("registration", register), ("transfer", transfer)):
        write()  # the first one warms the process
        median, runs = timed(write, args.writes)
        print(f"{label}: median {median:.0f} ms ({', '.join(f'{r:.0f}' for r in runs)})")
        statements(label, write)
        if args.profile:
            profile(label, write, args.top)
    if args.import_rows:
        import_roster(city, rng, args.import_rows, args.top if args.profile else 0)
    return 0


def herd(processes: int, rounds: int) -> int:
    """After each change (a district's version moved), `processes` processes that have served the catalogue
    before read it at the same moment: each building its own (per process), then through the shared cache
    (one build, the others wait). Prints each round's slowest and the builds."""
    import multiprocessing

    from django.db import connection, connections
    from django.utils import translation

    from careforce.core.models import District, Role, User
    from careforce.indicators import api, marks, selectors

    city = User.objects.filter(role=Role.CITY_ADMIN).first()
    changed = District.objects.get(code=LARGEST_DISTRICT).pk
    context = multiprocessing.get_context("fork")
    for mode in ("per process", "shared"):
        start, done = context.Barrier(processes + 1), context.Barrier(processes + 1)
        results = context.Queue()
        connections.close_all()

        def child(mode=mode, start=start, done=done, results=results) -> None:
            translation.activate("zh-hans")

            class Request:
                auth = city

            builds = 0

            def build() -> bytes:
                nonlocal builds
                builds += 1
                return api.build_answer(Request, None)

            slot = ("bench", "catalogue", "zh-hans")
            api.kept_answer(slot, selectors.readings_version(), build)  # a process that has served before
            for _ in range(rounds + 1):
                start.wait()
                began, builds = time.perf_counter(), 0
                if mode == "shared":
                    api.kept_answer(slot, selectors.readings_version(), build)
                else:
                    build()
                results.put(((time.perf_counter() - began) * 1000, builds))
                done.wait()
            connection.close()

        workers = [context.Process(target=child) for _ in range(processes)]
        for w in workers:
            w.start()
        for round_ in range(rounds + 1):
            time.sleep(0.5)  # every process idle, as between two requests
            marks.bump([changed])
            start.wait()
            done.wait()
            found = [results.get() for _ in range(processes)]
            slowest = max(ms for ms, _b in found)
            if not round_:
                continue  # the first round after the processes started: not counted
            print(
                f"{mode}: {processes} processes after a change: slowest {slowest:.0f} ms, "
                f"each {sorted(round(ms) for ms, _b in found)}, builds {sum(b for _ms, b in found)}",
                flush=True,
            )
        for w in workers:
            w.join()
    return 0


def fresh_id_numbers(rng: random.Random, count: int) -> list[str]:
    """ID numbers nobody in the registry has (checked by their blind index, as the service does)."""
    from careforce.core import crypto
    from careforce.core.synthetic import id_number
    from careforce.registry.models import Worker

    out: set[str] = set()
    while len(out) < count:
        batch = set()
        for _ in range(count - len(out)):
            birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=rng.randrange(0, 365 * 30))
            batch.add(id_number(rng, region="500112", birth=birth, sequence=rng.randrange(1, 999)))
        hashes = {crypto.blind_indexes(n, purpose="id_number")[0]: n for n in batch - out}
        taken = set(
            Worker.objects.filter(id_number_hash__in=list(hashes)).values_list("id_number_hash", flat=True)
        )
        out |= {n for h, n in hashes.items() if h not in taken}
    return sorted(out)


def import_roster(actor, rng: random.Random, rows: int, top: int) -> None:
    """A roster of new people through the importer (check, then commit, in this process), as the mixed
    load's imports: the commit's transaction holds the figure keepers' locks while they run."""
    import csv

    from careforce.imports import engine as import_engine
    from careforce.imports import services as import_services
    from careforce.institutions.models import Institution

    codes = list(Institution.objects.order_by("id").values_list("uscc", flat=True)[:2000])
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(HEADERS)
    for number in fresh_id_numbers(rng, rows):
        institution = rng.choice(codes)
        writer.writerow(
            ["李敏导", number, "", "高中", "农村", "", "养老护理员", "其他", institution, *ROW_END]
        )
    job = import_services.import_upload(
        actor=actor,
        sheet="workers",
        file_name="roster.csv",
        data=buffer.getvalue().encode("utf-8"),
        background=False,
    )
    started = time.perf_counter()
    import_engine.check(job)
    job.refresh_from_db()
    checked = time.perf_counter()
    if not job.can_commit:
        print(f"import of {rows} rows: not committable: {job.status} {job.message} ({job.rows_error} errors)")
        return
    import_services.import_commit(actor=actor, job=job, background=False, unchecked=False)

    def commit() -> None:
        import_engine.commit(job)

    if top:
        profile(f"import of {rows} rows: commit", commit, top)
    else:
        commit()
    job.refresh_from_db()
    done = time.perf_counter()
    print(
        f"import of {rows} rows: check {checked - started:.1f} s, commit {done - checked:.1f} s "
        f"({job.status}, {job.rows_new} new, {job.rows_error} errors)",
        flush=True,
    )


if __name__ == "__main__":
    sys.exit(main())
