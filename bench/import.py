"""Roster import benchmark: this importer vs django-import-export vs the floor.

    .venv/bin/pip install -e '.[bench]'
    CAREFORCE_ENV=development .venv/bin/python bench/import.py --rows 100000
    CAREFORCE_ENV=development .venv/bin/python bench/import.py --rows 1000000 --only importer --formats csv --dbs postgresql

Generates a roster (xlsx and GBK CSV), then for each database (PostgreSQL, SQLite) and format measures, each
in a fresh process (so peak memory is that of the measurement alone), on an emptied registry:
  (a) importer: this importer end to end in one pass, as `careforce import FILE --commit`;
      web: the same file through the web's two steps, upload + preview, then commit
  (b) iex: django-import-export importing the same rows into the same models (Worker + Employment, fields
      derived with the registry's own cleaning), default per-row mode; on --iex-rows rows (it is slow)
  export: the worker list exported to xlsx (run it after `importer`, which leaves the rows in place)
  dashboard: the first dashboard read, in a process that served it before the import, after the import
  (c) floor: the fastest reader (calamine / csv) plus COPY (PostgreSQL; executemany on SQLite) of rows
      already made valid and database-ready before timing.
Prints wall time, rows/s and peak memory per measurement, and the ratios the issue sets targets for. Peak
memory is the sampled peak of the summed PSS of the measuring process and its helper (see MemorySampler);
the RSS peaks of each are in the notes.
"""

from __future__ import annotations

import argparse
import csv
import datetime
import json
import os
import random
import resource
import subprocess
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("CAREFORCE_ENV", "development")
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careforce.settings")

DATA = ROOT / "var" / "bench-import"
HEADERS = [
    "姓名",
    "身份证号码",
    "手机号码",
    "学历",
    "户籍类型",
    "人员类别",
    "职业",
    "来源渠道",
    "机构统一社会信用代码",
    "岗位",
    "入职日期",
    "离职日期",
    "是否签订劳动合同",
]
INSTITUTIONS = 300
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
)
GIVEN = "伟芳娜秀英敏静丽强磊军洋勇艳杰娟涛明超兰霞平刚桂华建国玉梅红云飞鹏琴燕萍"
EDUCATION = ["初中", "高中", "中专", "大专", "大学本科"]
HUKOU = ["农村", "城镇"]
SOURCES = ["其他", "农村转移劳动力", "登记失业人员", "相关专业毕业生"]


def rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def helper_rss_mb() -> float:
    """Peak RSS of the import's helper process (0 when there was none). Pages it shares with the parent
    since the fork (the file, the loaded code) count in both figures."""
    return resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss / 1024


class MemorySampler:
    """Peak of the proportional set size (PSS) of this process and its descendants, sampled once a second.

    RSS counts a page shared by the importing process and its helper (the file, the loaded code, pages
    not yet written since the fork) once in each, so adding the two RSS peaks overstates their memory;
    PSS splits each shared page between the processes sharing it, so the sum over processes is what the
    import takes from the machine. Reading smaps_rollup walks the page tables, hence the modest rate (at
    twice a second it cost the importing process 3% of its CPU); the peaks it looks for last seconds."""

    def __init__(self, interval: float = 1.0):
        self.interval = interval
        self.peak_kb = 0
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    @staticmethod
    def _pss_kb(pid: int) -> int:
        try:
            with open(f"/proc/{pid}/smaps_rollup") as handle:
                for line in handle:
                    if line.startswith("Pss:"):
                        return int(line.split()[1])
        except OSError:  # the process ended meanwhile
            pass
        return 0

    @staticmethod
    def _family(pid: int) -> list[int]:
        found, pending = [], [pid]
        while pending:
            current = pending.pop()
            found.append(current)
            try:
                with open(f"/proc/{current}/task/{current}/children") as handle:
                    pending.extend(int(child) for child in handle.read().split())
            except OSError:
                pass
        return found

    def _run(self) -> None:
        while not self._stop.is_set():
            total = sum(self._pss_kb(pid) for pid in self._family(os.getpid()))
            self.peak_kb = max(self.peak_kb, total)
            self._stop.wait(self.interval)

    def __enter__(self) -> MemorySampler:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()

    @property
    def peak_mb(self) -> float:
        return self.peak_kb / 1024


class CpuClock:
    """CPU seconds spent since it was made by this process, its finished children (the helper) and this
    connection's PostgreSQL backend (same machine): where the two cores went."""

    def __init__(self):
        from django.db import connection

        self.backend = None
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT pg_backend_pid()")
                self.backend = cursor.fetchone()[0]
        self.start = self._now()

    def _backend_seconds(self) -> float:
        if self.backend is None:
            return 0.0
        try:
            with open(f"/proc/{self.backend}/stat") as handle:
                fields = handle.read().rsplit(")", 1)[1].split()
        except OSError:
            return 0.0
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # utime + stime

    def _now(self) -> tuple[float, float, float]:
        own = resource.getrusage(resource.RUSAGE_SELF)
        children = resource.getrusage(resource.RUSAGE_CHILDREN)
        return (
            own.ru_utime + own.ru_stime,
            children.ru_utime + children.ru_stime,
            self._backend_seconds(),
        )

    def spent(self) -> dict[str, float]:
        spent = [after - before for before, after in zip(self.start, self._now(), strict=True)]
        return dict(zip(("process", "helper", "postgresql"), spent, strict=True))


def setup_django():
    import django

    django.setup()


# ---------------------------------------------------------------- data


def institution_codes() -> list[tuple[str, str, str]]:
    from careforce.core.synthetic import credit_code

    rng = random.Random(7)
    districts = ["500103", "500105", "500106", "500107", "500108", "500112"]
    return [
        (
            credit_code(rng, region=districts[i % len(districts)]),
            f"基准养老院{i:03d}",
            districts[i % len(districts)],
        )
        for i in range(INSTITUTIONS)
    ]


def roster_rows(count: int):
    from careforce.core.synthetic import id_number, mobile

    rng = random.Random(11)
    codes = [code for code, _n, _d in institution_codes()]
    seen: set[str] = set()
    sequence = 0
    base = datetime.date(1962, 1, 1)
    while len(seen) < count:
        sequence += 1
        birth = base + datetime.timedelta(days=rng.randrange(0, 365 * 40))
        number = id_number(rng, region="500103", birth=birth, sequence=sequence)
        if number in seen:
            continue
        seen.add(number)
        start = datetime.date(2010, 1, 1) + datetime.timedelta(days=rng.randrange(0, 5000))
        yield [
            rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.7 else ""),
            number,
            mobile(rng),
            rng.choice(EDUCATION),
            rng.choice(HUKOU),
            "",
            "养老护理员",
            rng.choice(SOURCES),
            rng.choice(codes),
            "护理员",
            start.isoformat(),
            "",
            "是" if rng.random() < 0.8 else "否",
        ]


def make_files(count: int) -> dict[str, Path]:
    import xlsxwriter

    DATA.mkdir(parents=True, exist_ok=True)
    xlsx, gbk = DATA / f"roster-{count}.xlsx", DATA / f"roster-{count}-gbk.csv"
    if not xlsx.exists() or not gbk.exists():
        book = xlsxwriter.Workbook(str(xlsx), {"constant_memory": True, "strings_to_numbers": False})
        sheet = book.add_worksheet("花名册")
        sheet.write_row(0, 0, HEADERS)
        with open(gbk, "w", encoding="gbk", newline="") as handle:
            writer = csv.writer(handle)
            writer.writerow(HEADERS)
            for r, row in enumerate(roster_rows(count), start=1):
                writer.writerow(row)
                for c, value in enumerate(row):
                    if value:
                        sheet.write_string(r, c, value)
        book.close()
    return {"xlsx": xlsx, "csv": gbk}


# ---------------------------------------------------------------- database


def reset_database() -> None:
    """Empty the registry (and what points at it) and make sure the institutions and the actor exist."""
    from django.db import connection

    from careforce.core.models import District, Role, User
    from careforce.core.services import account_create
    from careforce.institutions.models import Institution

    tables = ["registry_employment", "core_piiaccess", "core_auditevent", "registry_worker"]
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(f"TRUNCATE {', '.join(tables)} CASCADE")
        else:
            for table in tables:
                cursor.execute(f"DELETE FROM {table}")
    if not User.objects.filter(username="bench-city").exists():
        account_create(username="bench-city", password="bench-pass-123", role=Role.CITY_ADMIN)
    existing = set(Institution.objects.values_list("uscc", flat=True))
    districts = {d.code: d for d in District.objects.all()}
    Institution.objects.bulk_create(
        [
            Institution(
                uscc=code, name=name, district=districts[d], kind="institution", ownership="private", beds=100
            )
            for code, name, d in institution_codes()
            if code not in existing
        ]
    )


# ---------------------------------------------------------------- (a) this importer


def run_importer(path: Path, *, two_step: bool) -> dict:
    """One pass (`careforce import --commit`), or the web's two steps (check = preview, then commit)."""
    from careforce.core.models import User
    from careforce.imports import engine, services
    from careforce.imports.models import ImportJob

    actor = User.objects.get(username="bench-city")
    ImportJob.objects.filter(status__in=["queued", "validating", "commit_queued", "committing"]).update(
        status="failed"
    )
    started = time.perf_counter()
    job = services.import_upload(
        actor=actor, sheet="workers", file_name=path.name, data=path.read_bytes(), background=False
    )
    if two_step:
        engine.check(job)
        job.refresh_from_db()
        if not job.can_commit:
            raise SystemExit(f"check failed: {job.message} errors={job.rows_error}")
    checked = time.perf_counter()
    services.import_commit(actor=actor, job=job, background=False, unchecked=not two_step)
    engine.commit(job)
    job.refresh_from_db()
    done = time.perf_counter()
    assert job.status == "committed", job.message
    return {
        "rows": job.rows_new,
        "seconds": done - started,
        "check_seconds": checked - started,
        "commit_seconds": done - checked,
    }


# ---------------------------------------------------------------- (b) django-import-export


def run_iex(path: Path, limit: int) -> dict:
    import tablib
    from import_export import fields, resources

    from careforce.core.models import AuditAction, User
    from careforce.registry import services as registry
    from careforce.registry.models import Employment, Worker
    from careforce.registry.services import Resolver, clean_employment_fields, clean_worker_fields

    actor = User.objects.get(username="bench-city")
    resolver = Resolver(actor)
    today = datetime.date.today()
    keys = ["name", "id_number", "phone", "education", "hukou_type", "team", "occupation", "source_channel"]

    class WorkerResource(resources.ModelResource):
        """What a Django developer would write: header → field, the model's own cleaning in a hook."""

        name = fields.Field(attribute="name", column_name="姓名")

        class Meta:
            model = Worker
            fields = ("name",)
            import_id_fields = ()
            skip_diff = True

        def before_import_row(self, row, **kwargs):
            data = {key: row.get(header) for key, header in zip(keys, HEADERS, strict=False)}
            data["team"] = data["team"] or "care"
            self._values, _warnings = clean_worker_fields(data, resolver=resolver)
            self._employment = clean_employment_fields(
                {
                    "institution": row.get("机构统一社会信用代码"),
                    "post": row.get("岗位"),
                    "start_date": row.get("入职日期"),
                    "has_labour_contract": row.get("是否签订劳动合同"),
                },
                resolver=resolver,
                today=today,
            )

        def before_save_instance(self, instance, row, **kwargs):
            for key, value in registry._worker_model_values(self._values).items():
                setattr(instance, key, value)
            institution = self._employment["institution"]
            instance.district_id = institution.district_id
            instance.institution = institution
            instance.is_active = True

        def after_save_instance(self, instance, row, **kwargs):
            emp = Employment.objects.create(worker=instance, **self._employment)
            from careforce.core import audit

            audit.record(
                actor=actor, action=AuditAction.CREATE, instance=instance, changes={}, worker_id=instance.pk
            )
            audit.record(
                actor=actor, action=AuditAction.CREATE, instance=emp, changes={}, worker_id=instance.pk
            )

    started = time.perf_counter()
    if path.suffix == ".xlsx":
        dataset = tablib.Dataset().load(path.read_bytes(), format="xlsx")
    else:
        dataset = tablib.Dataset().load(path.read_bytes().decode("gb18030"), format="csv")
    subset = tablib.Dataset(*dataset[:limit], headers=dataset.headers)
    result = WorkerResource().import_data(subset, dry_run=False, raise_errors=True)
    seconds = time.perf_counter() - started
    assert not result.has_errors()
    return {"rows": len(subset), "seconds": seconds, "file_rows": len(dataset)}


# ---------------------------------------------------------------- (c) the floor


def run_floor(path: Path) -> dict:
    """Read the file with the fastest reader, then COPY rows that were made valid before the clock started,
    and commit."""
    from django.db import connection, transaction
    from django.utils import timezone

    from careforce.core import crypto
    from careforce.core.validators import parse_id_number, parse_phone
    from careforce.institutions.models import Institution
    from careforce.registry.models import Occupation

    institutions = dict(Institution.objects.values_list("uscc", "id"))
    districts = dict(Institution.objects.values_list("uscc", "district_id"))
    occupation = Occupation.objects.get(code="care_worker").pk
    now = timezone.now()
    prepared_workers, prepared_employments = [], []
    with open(
        path.with_suffix(".csv") if path.suffix == ".csv" else DATA / path.name.replace(".xlsx", "-gbk.csv"),
        encoding="gbk",
    ) as handle:
        reader = csv.reader(handle)
        next(reader)
        for index, row in enumerate(reader, start=1):
            parsed = parse_id_number(row[1])
            phone = parse_phone(row[2])
            prepared_workers.append(
                (
                    index,
                    row[0],
                    "",
                    "",
                    crypto.encrypt(parsed.value, context=b"worker.id_number"),
                    crypto.blind_index(parsed.value, purpose="id_number"),
                    parsed.region_code,
                    parsed.last4,
                    parsed.gender,
                    parsed.birth_date,
                    crypto.encrypt(phone, context=b"worker.phone"),
                    crypto.blind_index(phone, purpose="phone"),
                    phone[:3],
                    phone[-4:],
                    "senior_high",
                    "rural",
                    "other",
                    "care",
                    occupation,
                    districts[row[8]],
                    institutions[row[8]],
                    True,
                    now,
                    now,
                )
            )
            prepared_employments.append(
                (index, index, institutions[row[8]], "护理员", row[10], None, True, False, "", now, now)
            )
    worker_columns = (
        "id, name, name_pinyin, name_initials, id_number_encrypted, id_number_hash, id_region, id_last4, gender, "
        "birth_date, phone_encrypted, phone_hash, phone_prefix, phone_last4, education, hukou_type, source_channel, "
        "team, occupation_id, district_id, institution_id, is_active, created_at, updated_at"
    )
    employment_columns = (
        "id, worker_id, institution_id, post, start_date, end_date, has_labour_contract, is_part_time, end_reason, "
        "created_at, updated_at"
    )
    started = time.perf_counter()
    if path.suffix == ".xlsx":
        from python_calamine import CalamineWorkbook

        rows = sum(1 for _ in CalamineWorkbook.from_path(str(path)).get_sheet_by_index(0).iter_rows()) - 1
    else:
        with open(path, encoding="gb18030", newline="") as handle:
            rows = sum(1 for _ in csv.reader(handle)) - 1
    read = time.perf_counter() - started
    # The COMMIT is timed as the importer's is: deferred foreign-key checks run there, and rows not yet
    # committed are not imported.
    with transaction.atomic(), connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            with cursor.cursor.copy(f"COPY registry_worker ({worker_columns}) FROM STDIN") as copy:
                for item in prepared_workers:
                    copy.write_row(item)
            with cursor.cursor.copy(f"COPY registry_employment ({employment_columns}) FROM STDIN") as copy:
                for item in prepared_employments:
                    copy.write_row(item)
        else:
            marks = ", ".join(["%s"] * 24)
            cursor.executemany(
                f"INSERT INTO registry_worker ({worker_columns}) VALUES ({marks})", prepared_workers
            )
            marks = ", ".join(["%s"] * 11)
            cursor.executemany(
                f"INSERT INTO registry_employment ({employment_columns}) VALUES ({marks})",
                prepared_employments,
            )
    seconds = time.perf_counter() - started
    return {"rows": rows, "seconds": seconds, "read_seconds": read}


# ---------------------------------------------------------------- export


def run_export() -> dict:
    """Export every worker in the database (what the importer left there) to xlsx, masked."""
    import tempfile

    from careforce.core.models import User
    from careforce.imports.exports import export_workers
    from careforce.registry.selectors import WorkerFilters

    actor = User.objects.get(username="bench-city")
    started = time.perf_counter()
    with tempfile.TemporaryFile() as out:
        rows = export_workers(actor=actor, filters=WorkerFilters(), out=out)
        size = out.tell()
    return {"rows": rows, "seconds": time.perf_counter() - started, "bytes": size}


# ---------------------------------------------------------------- the dashboard after an import


def run_dashboard(path: Path) -> dict:
    """A process that served the dashboard before the import, then its first read after it: the import
    brings the facts up to date in its own transaction, so the read only reads the districts whose version
    moved (docs/indicators.md). The read's figure is checked against a direct count."""
    from careforce.indicators import engine, facts
    from careforce.registry.models import Worker

    facts.build()  # the (empty) facts, built
    engine.reset()
    engine.blocks()  # the process is now serving, every district in memory
    imported = run_importer(path, two_step=False)
    started = time.perf_counter()
    shown = engine.total(engine.blocks().values())["workers"]
    first = time.perf_counter() - started
    started = time.perf_counter()
    engine.blocks()
    counted = Worker.objects.filter(is_active=True).count()
    if shown != counted:
        raise SystemExit(f"dashboard shows {shown} workers after the import; the registry holds {counted}")
    return {
        "rows": imported["rows"],
        "seconds": first,
        "import_seconds": imported["seconds"],
        "next_read_seconds": time.perf_counter() - started,
        "exact": shown == counted,
    }


# ---------------------------------------------------------------- orchestration


def child(args) -> None:
    setup_django()
    from django.db import connection

    path = Path(args.file)
    if args.child == "export":
        result = run_export()
        result["peak_mb"] = rss_mb()
        result["vendor"] = connection.vendor
        print("RESULT " + json.dumps(result))
        return
    reset_database()
    cpu = CpuClock()
    with MemorySampler() as memory:
        if args.child == "dashboard":
            result = run_dashboard(path)
        elif args.child in ("importer", "web"):
            result = run_importer(path, two_step=args.child == "web")
        elif args.child == "iex":
            result = run_iex(path, args.iex_rows)
        else:
            result = run_floor(path)
    result["peak_mb"] = rss_mb()
    result["helper_peak_mb"] = helper_rss_mb()
    result["pss_peak_mb"] = memory.peak_mb
    result["cpu"] = cpu.spent()
    result["vendor"] = connection.vendor
    print("RESULT " + json.dumps(result))


def measure(kind: str, path: Path, database_url: str, args) -> dict:
    # As in production: DEBUG off (with it on, Django keeps the text of the last 9,000 queries — an import's
    # IN lists of 5,000 hashes make that hundreds of MB — and the figures would not be the server's).
    env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "0"}
    command = [
        sys.executable,
        __file__,
        "--child",
        kind,
        "--file",
        str(path),
        "--iex-rows",
        str(args.iex_rows),
    ]
    output = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    for line in output.stdout.splitlines():
        if line.startswith("RESULT "):
            return json.loads(line[7:])
    raise SystemExit(f"{kind} failed:\n{output.stdout[-3000:]}\n{output.stderr[-3000:]}")


def migrate(database_url: str) -> None:
    env = {**os.environ, "DATABASE_URL": database_url}
    subprocess.run(
        [str(ROOT / ".venv" / "bin" / "careforce"), "migrate", "--no-input", "-v0"], env=env, check=True
    )


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--iex-rows", type=int, default=10_000, help="rows given to django-import-export")
    parser.add_argument("--formats", default="xlsx,csv")
    parser.add_argument("--dbs", default="postgresql,sqlite")
    parser.add_argument("--only", default="importer,web,iex,floor")
    parser.add_argument("--pg", default="postgres://postgres@127.0.0.1:5432/careforce_bench_import")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    parser.add_argument("--file", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        return child(args)

    setup_django()
    print(f"generating {args.rows:,} rows …", flush=True)
    files = make_files(args.rows)
    urls = {"postgresql": args.pg, "sqlite": f"sqlite:///{DATA / 'bench.sqlite3'}"}
    if "postgresql" in args.dbs:
        base, name = args.pg.rsplit("/", 1)
        subprocess.run(
            ["psql", f"{base}/postgres", "-qc", f"CREATE DATABASE {name}"], capture_output=True, check=False
        )
    print(
        f"{'db':<11}{'file':<6}{'measure':<10}{'rows':>9}{'seconds':>10}{'rows/s':>10}{'peak MB':>9}  notes"
    )
    for db in args.dbs.split(","):
        migrate(urls[db])
        for fmt in args.formats.split(","):
            results = {}
            for kind in args.only.split(","):
                result = measure(kind, files[fmt], urls[db], args)
                results[kind] = result
                rate = result["rows"] / result["seconds"]
                notes = ""
                if kind == "importer":
                    notes = "one pass (careforce import --commit)"
                if result.get("helper_peak_mb"):
                    notes += (
                        f"; RSS peaks: importing process {result['peak_mb']:,.0f} MB, "
                        f"helper {result['helper_peak_mb']:,.0f} MB"
                    )
                if kind == "web":
                    notes = (
                        f"preview {result['check_seconds']:.1f} s + commit {result['commit_seconds']:.1f} s"
                    )
                if kind == "export":
                    notes = f"masked xlsx, {result['bytes'] / 1e6:.0f} MB"
                if kind == "dashboard":
                    notes = (
                        f"first dashboard read after the import (seconds column; import took "
                        f"{result['import_seconds']:.1f} s); next read {result['next_read_seconds']:.3f} s"
                    )
                if kind == "floor":
                    notes = f"read {result['read_seconds']:.1f} s"
                if result.get("cpu"):
                    cpu = result["cpu"]
                    notes += (
                        f"; CPU s: process {cpu['process']:.1f}, helper {cpu['helper']:.1f}, "
                        f"PostgreSQL {cpu['postgresql']:.1f}"
                    )
                print(
                    f"{db:<11}{fmt:<6}{kind:<10}{result['rows']:>9,}{result['seconds']:>10.1f}{rate:>10,.0f}{result.get('pss_peak_mb') or result['peak_mb']:>9,.0f}  {notes}",
                    flush=True,
                )
            if {"importer", "iex", "floor"} <= set(results):
                ours = results["importer"]["rows"] / results["importer"]["seconds"]
                theirs = results["iex"]["rows"] / results["iex"]["seconds"]
                floor = results["floor"]["rows"] / results["floor"]["seconds"]
                print(
                    f"{'':<17}importer = {ours / theirs:.1f}× django-import-export; floor is {floor / ours:.1f}× faster than the importer"
                )


if __name__ == "__main__":
    main()
