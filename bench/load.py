"""Load benchmark: the platform as deployed, under 50 concurrent clients, on the 1,000,000-worker database.

    nice -n 10 .venv/bin/python bench/registry.py --workers 1000000 \
        --database-url postgres://postgres@127.0.0.1:5432/cf_load_bench --generate-only   # once
    .venv/bin/python bench/load.py --database-url postgres://postgres@127.0.0.1:5432/cf_load_bench

What runs: gunicorn with deploy/gunicorn.conf.py (2 × cores processes, sync workers) and `careforce db_worker`,
both in production mode (CAREFORCE_ENV=production: DEBUG off, HTTPS-only cookies and HSTS behind a proxy
header, CSP, login lockout, the second factor for every writing role and administrator, the access log of
lookups and record views, manifest static files). The keys are those in var/bench/load-keys.env (made on the
first run); export them before generating the database so its blind indexes match.

Clients sign in through the real pages: the sign-in form, then the TOTP step (the code computed from the
device's secret as an authenticator app does). wrk (Debian's package) then drives each endpoint for
`--duration` seconds at `--connections` clients, the sign-in page first as the trivial baseline, and prints
the figures through the Lua `done()` hook of bench/load_report.lua.

The mixed run: wrk reading the list, search, detail and dashboard routes while Python writers send about
5 % writes through the API with a bearer token (registrations, transfers, and imports of 1,000 rows:
upload, check, commit). Afterwards every dashboard figure (the city and each district, every indicator) is
compared with the figures built from scratch (`careforce indicators_rebuild`, served by fresh processes),
and the active workers of the city and of each district with a direct COUNT.
"""

from __future__ import annotations

import argparse
import base64
import csv
import datetime
import http.client
import io
import json
import os
import random
import re
import secrets
import shutil
import signal
import subprocess
import sys
import threading
import time
import uuid
from pathlib import Path
from urllib.parse import urlencode

PROJECT_DIR = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(PROJECT_DIR))

from bench.common import OUT_DIR, git_revision, machine, postgres_version  # noqa: E402

VENV_BIN = PROJECT_DIR / ".venv" / "bin"
KEYS_FILE = PROJECT_DIR / "var" / "bench" / "load-keys.env"
VAR_DIR = PROJECT_DIR / "var" / "bench" / "load"
LUA = PROJECT_DIR / "bench" / "load_report.lua"
PASSWORD = "load-bench-pass-word-2026"
TOTP_HEX = "3132333435363738393031323334353637383930"  # 20 bytes; the benchmark's accounts only
LARGEST_DISTRICT = "500112"  # 渝北区
# The roster's columns, as in bench/import.py and the importer's template.
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


# ---------------------------------------------------------------- environment


def bench_keys() -> dict[str, str]:
    """The production keys of the bench database (made once; never the public development keys)."""
    if not KEYS_FILE.exists():
        KEYS_FILE.parent.mkdir(parents=True, exist_ok=True)
        KEYS_FILE.write_text(
            f"CAREFORCE_PII_KEYS=1:{base64.b64encode(os.urandom(32)).decode()}\n"
            f"CAREFORCE_BLIND_INDEX_KEY={base64.b64encode(os.urandom(32)).decode()}\n"
            f"CAREFORCE_SECRET_KEY={secrets.token_urlsafe(50)}\n"
        )
    pairs = (line.split("=", 1) for line in KEYS_FILE.read_text().splitlines() if "=" in line)
    return {k.strip(): v.strip() for k, v in pairs}


def production_env(database_url: str, port: int, workers: int) -> dict[str, str]:
    env = dict(os.environ)
    # PYTHONDONTWRITEBYTECODE (set on some build machines) would make every process start compile the
    # project from source; an installed release (`pip install .`, docs/operations.md) has its bytecode.
    for name in (
        "DEBUG",
        "CAREFORCE_SSL_REDIRECT",
        "CAREFORCE_SECURE_COOKIES",
        "CAREFORCE_LOOKUP_RATE",
        "PYTHONDONTWRITEBYTECODE",
    ):
        env.pop(name, None)
    env.update(bench_keys())
    env.update(
        {
            "CAREFORCE_ENV": "production",
            "DATABASE_URL": database_url,
            "DJANGO_SETTINGS_MODULE": "careforce.settings",
            "ALLOWED_HOSTS": "127.0.0.1",
            # As behind the reverse proxy: it ends TLS and says so in this header (deploy/nginx).
            "CAREFORCE_PROXY_SSL_HEADER": "X-Forwarded-Proto",
            "CAREFORCE_VAR_DIR": str(VAR_DIR),
            "CAREFORCE_BIND": f"127.0.0.1:{port}",
            "CAREFORCE_WEB_WORKERS": str(workers),
            "PROMETHEUS_MULTIPROC_DIR": str(VAR_DIR / "prometheus"),
            "CAREFORCE_LOG_LEVEL": "WARNING",
            # The shared cache and the sessions on Redis, as docs/operations.md recommends for production;
            # under a prefix of the benchmark's own (the Redis may be shared).
            "CAREFORCE_REDIS_URL": os.environ.get("LOAD_REDIS_URL", "redis://127.0.0.1:6379/0"),
            "CAREFORCE_REDIS_KEY_PREFIX": f"cf_load_bench_{port}",
        }
    )
    return env


# ---------------------------------------------------------------- HTTP client (cookies by hand: they are Secure)


class Session:
    def __init__(self, port: int, *, bearer: str | None = None):
        self.port = port
        self.cookies: dict[str, str] = {}
        self.bearer = bearer

    def request(
        self, method: str, path: str, *, body: bytes | None = None, headers: dict | None = None
    ) -> tuple[int, dict[str, str], bytes]:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
        head = {"X-Forwarded-Proto": "https", "Host": f"127.0.0.1:{self.port}"}
        if self.cookies:
            head["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies.items())
        if self.bearer:
            head["Authorization"] = f"Bearer {self.bearer}"
        head.update(headers or {})
        try:
            conn.request(method, path, body=body, headers=head)
            response = conn.getresponse()
            data = response.read()
            for name, value in response.getheaders():
                if name.lower() == "set-cookie":
                    key, _sep, rest = value.partition("=")
                    self.cookies[key.strip()] = rest.split(";", 1)[0]
            return response.status, {k.lower(): v for k, v in response.getheaders()}, data
        finally:
            conn.close()

    def post_form(self, path: str, fields: dict[str, str]) -> tuple[int, dict[str, str], bytes]:
        return self.request(
            "POST",
            path,
            body=urlencode(fields).encode(),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Origin": f"https://127.0.0.1:{self.port}",
                "Referer": f"https://127.0.0.1:{self.port}{path}",
            },
        )

    def json(self, method: str, path: str, payload: dict | None = None) -> tuple[int, object]:
        body = json.dumps(payload).encode() if payload is not None else None
        status, _h, data = self.request(
            method, path, body=body, headers={"Content-Type": "application/json"} if body else None
        )
        try:
            return status, json.loads(data or b"null")
        except ValueError:
            return status, data[:200]


def _csrf_field(html: bytes) -> str:
    match = re.search(rb'name="csrfmiddlewaretoken" value="([^"]+)"', html)
    if not match:
        raise RuntimeError("no CSRF field on the page")
    return match.group(1).decode()


def totp_now(hex_key: str, *, at: float | None = None) -> str:
    import hashlib
    import hmac
    import struct

    counter = int((time.time() if at is None else at) // 30)
    digest = hmac.new(bytes.fromhex(hex_key), struct.pack(">Q", counter), hashlib.sha1).digest()
    offset = digest[-1] & 0x0F
    return f"{(struct.unpack('>I', digest[offset : offset + 4])[0] & 0x7FFFFFFF) % 10**6:06d}"


def sign_in(port: int, username: str) -> Session:
    """The sign-in form, then the second step with the authenticator's current code."""
    session = Session(port)
    status, _h, page = session.request("GET", "/accounts/login/")
    assert status == 200, status
    status, headers, _b = session.post_form(
        "/accounts/login/",
        {"csrfmiddlewaretoken": _csrf_field(page), "username": username, "password": PASSWORD},
    )
    assert status == 302 and "/accounts/two-factor/" in headers.get("location", ""), (status, headers)
    status, _h, page = session.request("GET", "/accounts/two-factor/")
    assert status == 200, status
    status, headers, _b = session.post_form(
        "/accounts/two-factor/", {"csrfmiddlewaretoken": _csrf_field(page), "code": totp_now(TOTP_HEX)}
    )
    assert status == 302 and "two-factor" not in headers.get("location", ""), (status, headers)
    return session


# ---------------------------------------------------------------- set-up (in this process, production settings)


def setup(env: dict[str, str]) -> dict:
    os.environ.update(env)
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection
    from django.utils import timezone
    from django_otp.plugins.otp_totp.models import TOTPDevice

    from careforce.core import tokens
    from careforce.core.models import District, Role, User
    from careforce.core.services import account_create
    from careforce.indicators import facts
    from careforce.indicators.models import WorkerFact
    from careforce.institutions.models import Institution
    from careforce.registry.models import Employment, Worker

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    # Generated rows bypass the services, so their facts are missing until built (an empty database built
    # them at migrate time: a state with no worker's fact).
    if facts.state() is None or not WorkerFact.objects.exists():
        started = time.monotonic()
        print("Building the dashboard's facts (careforce indicators_rebuild) …", flush=True)
        call_command("indicators_rebuild")
        print(f"  built in {time.monotonic() - started:.0f} s", flush=True)
    district = District.objects.get(code=LARGEST_DISTRICT)
    accounts = {}
    for username, role, extra in (
        ("load-city", Role.CITY_ADMIN, {}),
        ("load-district", Role.DISTRICT_ADMIN, {"district": district}),
    ):
        user = User.objects.filter(username=username).first() or account_create(
            username=username, password=PASSWORD, role=role, **extra
        )
        TOTPDevice.objects.filter(user=user).delete()
        TOTPDevice.objects.create(user=user, name="load bench", key=TOTP_HEX, confirmed=True)
        accounts[role] = user
    _token, raw = tokens.token_create(user=accounts[Role.CITY_ADMIN], name="load bench writer")
    # Workers with a current full-time post begun before today: each can be transferred once today.
    sample = list(
        Employment.objects.filter(
            worker__district=district,
            end_date__isnull=True,
            is_part_time=False,
            start_date__lt=timezone.localdate(),
        )
        .order_by("-worker_id")
        .values_list("worker_id", flat=True)
        .distinct()[:2000]
    )
    institutions = list(Institution.objects.order_by("id").values_list("id", "uscc", "district__code")[:2000])
    info = {
        "token": raw,
        "district_id": district.pk,
        "district_ids": list(District.objects.order_by("sort_order", "code").values_list("pk", flat=True)),
        "worker_ids": sample,
        "institutions": institutions,
        "workers": Worker.objects.count(),
    }
    connection.close()
    return info


# ---------------------------------------------------------------- processes


class Server:
    def __init__(self, env: dict[str, str], port: int):
        self.env, self.port = env, port
        self.procs: list[subprocess.Popen] = []

    def start(self) -> None:
        # The project's bytecode, as `pip install .` writes it for an installed release (an editable
        # install has none until a process writes it).
        subprocess.run(
            [sys.executable, "-m", "compileall", "-q", "careforce"], cwd=PROJECT_DIR, env=self.env, check=True
        )
        prom = Path(self.env["PROMETHEUS_MULTIPROC_DIR"])
        shutil.rmtree(prom, ignore_errors=True)
        prom.mkdir(parents=True)
        logs = VAR_DIR / "logs"
        logs.mkdir(parents=True, exist_ok=True)
        for name, argv in (
            ("gunicorn", [str(VENV_BIN / "gunicorn"), "-c", "deploy/gunicorn.conf.py", "careforce.wsgi"]),
            ("db_worker", [str(VENV_BIN / "careforce"), "db_worker"]),
        ):
            with open(logs / f"{name}.log", "ab") as handle:  # the child keeps its own descriptor
                self.procs.append(
                    subprocess.Popen(
                        argv,
                        cwd=PROJECT_DIR,
                        env=self.env,
                        stdout=handle,
                        stderr=subprocess.STDOUT,
                        start_new_session=True,
                    )
                )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if Session(self.port).request("GET", "/accounts/login/")[0] == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError("gunicorn did not answer in 60 s; see var/bench/load/logs/gunicorn.log")

    def stop(self) -> None:
        for proc in self.procs:
            if proc.poll() is None:
                os.killpg(proc.pid, signal.SIGTERM)
        for proc in self.procs:
            try:
                proc.wait(timeout=40)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
        self.procs = []


def wrk(url: str, *, duration: int, connections: int, threads: int, env: dict[str, str]) -> dict:
    argv = [
        "wrk",
        f"-t{threads}",
        f"-c{connections}",
        f"-d{duration}s",
        "--timeout",
        "30s",
        "-s",
        str(LUA),
        url,
    ]
    out = subprocess.run(argv, env={**os.environ, **env}, capture_output=True, text=True, check=True).stdout
    line = next(x for x in out.splitlines() if x.startswith("LOADJSON "))
    figures = json.loads(line.removeprefix("LOADJSON "))
    figures["rps"] = figures["requests"] / (figures["duration_us"] / 1e6)
    figures["errors"] = sum(
        figures[k] for k in ("connect_errors", "read_errors", "write_errors", "status_errors", "timeouts")
    )
    return figures


# ---------------------------------------------------------------- writers of the mixed run


class Writers:
    """Registrations and transfers paced to a share of the reads, and imports of 1,000 rows back to back."""

    def __init__(self, port: int, info: dict, *, rate: float, imports: int, seed: int):
        self.port, self.info, self.rate, self.imports = port, info, rate, imports
        self.rng = random.Random(seed)
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.counts = {"registrations": 0, "transfers": 0, "import_rows": 0, "imports": 0, "requests": 0}
        self.errors: list[str] = []
        self.latencies: list[float] = []
        self.transfer_ids = list(info["worker_ids"])
        self.rng.shuffle(self.transfer_ids)
        self.sequence = 0

    def _note(self, what: str, status: int, body: object, ok: tuple[int, ...], started: float) -> bool:
        with self.lock:
            self.counts["requests"] += 1
            self.latencies.append((time.perf_counter() - started) * 1000)
            if status not in ok:
                self.errors.append(f"{what}: {status} {str(body)[:300]}")
                return False
            return True

    def _id_number(self) -> str:
        from careforce.core.synthetic import id_number

        with self.lock:
            self.sequence += 1
            sequence = self.sequence
        birth = datetime.date(1970, 1, 1) + datetime.timedelta(days=self.rng.randrange(0, 365 * 30))
        return id_number(self.rng, region="500112", birth=birth, sequence=sequence)

    def _fresh_id_numbers(self, count: int) -> list[str]:
        """Numbers nobody in the registry has (checked by their blind index, as the service would)."""
        from careforce.core import crypto
        from careforce.registry.models import Worker

        out: set[str] = set()
        while len(out) < count:
            batch = {self._id_number() for _ in range(count - len(out))} - out
            hashes = {n: crypto.blind_indexes(n, purpose="id_number")[0] for n in batch}
            taken = set(
                Worker.objects.filter(id_number_hash__in=list(hashes.values())).values_list(
                    "id_number_hash", flat=True
                )
            )
            out |= {n for n, h in hashes.items() if h not in taken}
        return sorted(out)

    def register(self, client: Session) -> None:
        institution = self.rng.choice(self.info["institutions"])
        payload = {
            "name": self.rng.choice("王李张刘陈杨黄赵") + self.rng.choice("伟芳娜秀英敏静丽") + "测",
            "id_number": self._fresh_id_numbers(1)[0],
            "education": "高中",
            "hukou_type": "农村",
            "source_channel": "其他",
            "team": "care",
            "occupation": "养老护理员",
            "employment": {
                "institution": institution[0],
                "post": "护理员",
                "start_date": "2024-03-01",
                "has_labour_contract": True,
            },
        }
        started = time.perf_counter()
        status, body = client.json("POST", "/api/v1/workers", payload)
        if self._note("registration", status, body, (201,), started):
            with self.lock:
                self.counts["registrations"] += 1

    def transfer(self, client: Session, today: str) -> None:
        with self.lock:
            if not self.transfer_ids:
                return
            worker_id = self.transfer_ids.pop()
        institution = self.rng.choice(self.info["institutions"])
        started = time.perf_counter()
        status, body = client.json(
            "POST",
            f"/api/v1/workers/{worker_id}/transfer",
            {"institution": institution[0], "post": "护理员", "start_date": today},
        )
        if self._note("transfer", status, body, (200,), started):
            with self.lock:
                self.counts["transfers"] += 1

    def paced(self) -> None:
        from django.utils import timezone

        client = Session(self.port, bearer=self.info["token"])
        today = timezone.localdate().isoformat()
        interval = 1.0 / self.rate
        next_at = time.monotonic()
        while not self.stop.is_set():
            if self.rng.random() < 0.5:
                self.register(client)
            else:
                self.transfer(client, today)
            next_at += interval
            self.stop.wait(max(0.0, next_at - time.monotonic()))

    def roster(self, rows: int) -> bytes:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        writer.writerow(HEADERS)
        for number in self._fresh_id_numbers(rows):
            uscc = self.rng.choice(self.info["institutions"])[1]
            writer.writerow(
                [
                    self.rng.choice("王李张刘陈杨") + self.rng.choice("伟芳娜秀英敏") + "导",
                    number,
                    "",
                    "高中",
                    "农村",
                    "",
                    "养老护理员",
                    "其他",
                    uscc,
                    "护理员",
                    "2023-05-01",
                    "",
                    "是",
                ]
            )
        return buffer.getvalue().encode("utf-8")

    def importer(self, rows: int) -> None:
        client = Session(self.port, bearer=self.info["token"])
        for _ in range(self.imports):
            if self.stop.is_set():
                return
            boundary = uuid.uuid4().hex
            data = self.roster(rows)
            body = (
                (
                    f'--{boundary}\r\nContent-Disposition: form-data; name="sheet"\r\n\r\nworkers\r\n'
                    f'--{boundary}\r\nContent-Disposition: form-data; name="file"; filename="roster.csv"\r\n'
                    "Content-Type: text/csv\r\n\r\n"
                ).encode()
                + data
                + f"\r\n--{boundary}--\r\n".encode()
            )
            started = time.perf_counter()
            status, _h, raw = client.request(
                "POST",
                "/api/v1/imports",
                body=body,
                headers={"Content-Type": f"multipart/form-data; boundary={boundary}"},
            )
            job = json.loads(raw or b"{}") if status == 201 else raw[:300]
            if not self._note("import upload", status, job, (201,), started):
                continue
            if not self._wait(client, job["id"], "validated"):
                continue
            started = time.perf_counter()
            status, body = client.json("POST", f"/api/v1/imports/{job['id']}/commit")
            if not self._note("import commit", status, body, (202,), started):
                continue
            if self._wait(client, job["id"], "committed"):
                with self.lock:
                    self.counts["imports"] += 1
                    self.counts["import_rows"] += rows

    def _wait(self, client: Session, job_id: int, wanted: str) -> bool:
        deadline = time.monotonic() + 600
        while time.monotonic() < deadline:
            status, job = client.json("GET", f"/api/v1/imports/{job_id}")
            state = job.get("status") if isinstance(job, dict) else None
            if state == wanted:
                return True
            if status != 200 or state in ("failed", "cancelled"):
                self.errors.append(f"import {job_id}: {status} {str(job)[:400]}")
                return False
            time.sleep(1)
        self.errors.append(f"import {job_id}: not {wanted} after 600 s")
        return False


# ---------------------------------------------------------------- the dashboard's figures


def figures(session: Session, district_ids: list[int]) -> dict[str, float | None]:
    out: dict[str, float | None] = {}
    for district in [None, *district_ids]:
        path = "/api/v1/indicators" + (f"?district={district}" if district else "")
        status, rows = session.json("GET", path)
        assert status == 200, (path, status, rows)
        for row in rows:
            out[f"{district or 'city'}:{row['code']}"] = row["value"]
    return out


def direct_worker_counts() -> dict[str, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT district_id, count(*) FROM registry_worker WHERE is_active GROUP BY district_id"
        )
        rows = dict(cursor.fetchall())
    connection.close()
    return {"city": sum(rows.values()), **{str(k): v for k, v in rows.items()}}


# ---------------------------------------------------------------- main


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--database-url", default="postgres://postgres@127.0.0.1:5432/cf_load_bench")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--duration", type=int, default=20, help="seconds per endpoint")
    parser.add_argument("--mixed-duration", type=int, default=90)
    parser.add_argument("--connections", type=int, default=50)
    parser.add_argument("--threads", type=int, default=2, help="wrk threads")
    parser.add_argument(
        "--imports", type=int, default=2, help="imports of --import-rows rows in the mixed run"
    )
    parser.add_argument("--import-rows", type=int, default=1000)
    parser.add_argument("--write-share", type=float, default=0.05)
    parser.add_argument(
        "--only", help="only the endpoints whose label contains one of these texts (comma-separated)"
    )
    parser.add_argument("--no-mixed", action="store_true")
    args = parser.parse_args()

    if shutil.which("wrk") is None:
        print("wrk is missing: apt-get install -y wrk")
        return 2
    cores = os.cpu_count() or 1
    env = production_env(args.database_url, args.port, 2 * cores)
    info = setup(env)
    if info["workers"] < 1000:
        print("The bench database is nearly empty; generate it with bench/registry.py first.")
        return 2
    server = Server(env, args.port)
    base = f"http://127.0.0.1:{args.port}"
    results: list[dict] = []
    mixed: dict = {}
    print(f"{machine()}; {info['workers']:,} workers; gunicorn {2 * cores} processes + db_worker", flush=True)
    server.start()
    try:
        city = sign_in(args.port, "load-city")
        district_admin = sign_in(args.port, "load-district")
        d = info["district_id"]
        some_worker = info["worker_ids"][0]
        endpoints = [
            ("sign-in page (baseline)", None, "/accounts/login/"),
            ("API worker list, city admin", city, "/api/v1/workers"),
            ("API worker list, district admin", district_admin, "/api/v1/workers"),
            ("API worker search (pinyin), city admin", city, "/api/v1/workers?q=zhang"),
            ("API worker search (name), district admin", district_admin, "/api/v1/workers?q=%E7%8E%8B"),
            ("API worker detail, city admin", city, f"/api/v1/workers/{some_worker}"),
            ("HTML worker list, city admin", city, "/workers/"),
            ("HTML worker search (pinyin), city admin", city, "/workers/?q=zhang"),
            ("HTML worker list, district admin", district_admin, "/workers/"),
            ("indicators catalogue, city admin", city, "/api/v1/indicators"),
            ("district dashboard data, district admin", district_admin, f"/api/v1/indicators?district={d}"),
        ]
        for label, session, path in endpoints:
            if args.only and not any(part in label for part in args.only.split(",")):
                continue
            cookie = "; ".join(f"{k}={v}" for k, v in session.cookies.items()) if session else ""
            status, _h, _b = (session or Session(args.port)).request("GET", path)
            assert status == 200, (label, status)  # a redirect to sign-in would be fast and wrong
            figures_ = wrk(
                base + path,
                duration=args.duration,
                connections=args.connections,
                threads=args.threads,
                env={"LOAD_COOKIE": cookie, "LOAD_PATHS": ""},
            )
            results.append({"label": label, "path": path, **figures_})
            print(
                f"{label:<44} {figures_['rps']:8.1f} req/s  p50 {figures_['p50_ms']:7.1f}  "
                f"p95 {figures_['p95_ms']:7.1f}  p99 {figures_['p99_ms']:7.1f} ms  errors {figures_['errors']}",
                flush=True,
            )
        if not args.no_mixed:
            mixed = run_mixed(args, info, server, city, district_admin)
    finally:
        server.stop()
    baseline = next((r for r in results if r["label"].startswith("sign-in")), None)
    summary = {
        "date": datetime.datetime.now().astimezone().isoformat(timespec="seconds"),
        "revision": git_revision(),
        "machine": machine(),
        "database": "postgresql " + postgres_version(args.database_url),
        "workers": info["workers"],
        "command": " ".join(sys.argv),
        "gunicorn_processes": 2 * cores,
        "connections": args.connections,
        "duration": args.duration,
        "results": results,
        "mixed": mixed,
    }
    out = OUT_DIR / "load"
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(summary, ensure_ascii=False, indent=2))
    print()
    print("| endpoint | req/s | vs sign-in page | p50 ms | p95 ms | p99 ms | errors |")
    print("| --- | ---: | ---: | ---: | ---: | ---: | ---: |")
    for r in results:
        share = f"{100 * r['rps'] / baseline['rps']:.0f} %" if baseline else "–"
        print(
            f"| {r['label']} | {r['rps']:.1f} | {share} | {r['p50_ms']:.1f} | {r['p95_ms']:.1f} | "
            f"{r['p99_ms']:.1f} | {r['errors']} |"
        )
    if mixed:
        print(json.dumps({k: v for k, v in mixed.items() if k != "mismatches"}, ensure_ascii=False, indent=1))
        for line in mixed.get("mismatches", [])[:20]:
            print("MISMATCH", line)
    return 1 if mixed and (mixed["errors"] or mixed["mismatches"]) else 0


def run_mixed(args, info: dict, server: Server, city: Session, district_admin: Session) -> dict:
    """Reads at --connections clients with about --write-share writes alongside; then the figures check."""
    d = info["district_id"]
    ids = info["worker_ids"][-50:]
    reads = [
        "/api/v1/workers",
        "/api/v1/workers?q=li",
        "/workers/",
        *[f"/api/v1/workers/{i}" for i in ids[:5]],
        "/api/v1/indicators",
        f"/api/v1/indicators?district={d}",
    ]
    probe = wrk(
        f"http://127.0.0.1:{args.port}",
        duration=5,
        connections=args.connections,
        threads=args.threads,
        env={
            "LOAD_COOKIE": "; ".join(f"{k}={v}" for k, v in city.cookies.items()),
            "LOAD_PATHS": "|".join(reads),
        },
    )
    # Writes per second for the share asked, from the read rate measured just before (imports come on top).
    rate = max(0.5, probe["rps"] * args.write_share / (1 - args.write_share))
    writers = Writers(args.port, info, rate=rate, imports=args.imports, seed=7)
    threads = [threading.Thread(target=writers.paced) for _ in range(2)]
    threads.append(threading.Thread(target=writers.importer, args=(args.import_rows,)))
    for t in threads:
        t.start()
    try:
        read = wrk(
            f"http://127.0.0.1:{args.port}",
            duration=args.mixed_duration,
            connections=args.connections,
            threads=args.threads,
            env={
                "LOAD_COOKIE": "; ".join(f"{k}={v}" for k, v in city.cookies.items()),
                "LOAD_PATHS": "|".join(reads),
            },
        )
    finally:
        writers.stop.set()
        threads[0].join()
        threads[1].join()
    # The imports finish (commit included) even if the reads are over.
    writers.stop.clear()
    threads[2].join()
    print(
        f"mixed reads: {read['rps']:.1f} req/s p95 {read['p95_ms']:.1f} ms errors {read['errors']}",
        flush=True,
    )
    print(f"mixed writes: {writers.counts}; errors {len(writers.errors)}", flush=True)
    shown = figures(city, info["district_ids"])
    truth_workers = direct_worker_counts()
    mismatches = []
    for key, value in truth_workers.items():
        got = shown.get(f"{key}:registry_workers")
        if got is not None and got != value:
            mismatches.append(f"{key}:registry_workers shown {got}, direct count {value}")
        if got is None and key == "city":
            mismatches.append("city:registry_workers missing")
    # Every figure against the same figures built from scratch, served by fresh processes.
    server.stop()
    from django.core.management import call_command

    started = time.monotonic()
    call_command("indicators_rebuild")
    rebuild_seconds = time.monotonic() - started
    from django.db import connection

    connection.close()
    server.start()
    rebuilt = figures(city, info["district_ids"])
    for key in sorted(set(shown) | set(rebuilt)):
        if shown.get(key) != rebuilt.get(key):
            mismatches.append(f"{key}: shown {shown.get(key)}, rebuilt {rebuilt.get(key)}")
    latencies = sorted(writers.latencies)
    writes = writers.counts["registrations"] + writers.counts["transfers"] + writers.counts["imports"] * 2
    return {
        "reads": read,
        "read_paths": reads,
        "writes": writers.counts,
        "write_share": writes / (writes + read["requests"]) if read["requests"] else 0,
        "write_p95_ms": latencies[int(0.95 * (len(latencies) - 1))] if latencies else None,
        "write_errors": writers.errors[:20],
        "errors": read["errors"] + len(writers.errors),
        "figures_compared": len(set(shown) | set(rebuilt)),
        "worker_counts_compared": len(truth_workers),
        "rebuild_seconds": rebuild_seconds,
        "mismatches": mismatches,
    }


if __name__ == "__main__":
    sys.exit(main())
