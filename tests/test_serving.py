"""The production start, for real: `collectstatic`, `migrate`, then gunicorn with deploy/gunicorn.conf.py in
production mode behind a (simulated) proxy. Pages carry the security headers, static files come from the
application itself (whitenoise) under hashed names cached for a year, and /metrics adds up the latency of
every gunicorn worker (Prometheus multiprocess mode)."""

from __future__ import annotations

import http.client
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.test_hardening import production

ROOT = Path(__file__).resolve().parents[1]
GUNICORN = Path(sys.executable).with_name("gunicorn")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def get(port: int, path: str, **headers: str) -> http.client.HTTPResponse:
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
    conn.request("GET", path, headers={"Host": "care.example.gov.cn", **headers})
    response = conn.getresponse()
    response.body = response.read()
    conn.close()
    return response


@pytest.fixture
def server(tmp_path):
    port = free_port()
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = production(
        tmp_path,
        DATABASE_URL=f"sqlite:///{tmp_path / 'careforce.sqlite3'}",
        CAREFORCE_PROXY_SSL_HEADER="X-Forwarded-Proto",
        CAREFORCE_PROXY_COUNT="1",
        CAREFORCE_BIND=f"127.0.0.1:{port}",
        CAREFORCE_WEB_WORKERS="2",
        PROMETHEUS_MULTIPROC_DIR=str(metrics_dir),
    )
    for command in (["collectstatic", "--no-input", "-v0"], ["migrate", "--no-input", "-v0"]):
        done = subprocess.run(
            [sys.executable, "-m", "careforce.cli", *command],
            env=env,
            capture_output=True,
            text=True,
            timeout=600,
        )
        assert done.returncode == 0, done.stderr[-2000:]
    process = subprocess.Popen(
        [str(GUNICORN), "-c", str(ROOT / "deploy" / "gunicorn.conf.py"), "careforce.wsgi"],
        env=env,
        cwd=tmp_path,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
        text=True,
    )
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert process.poll() is None, process.stderr.read()[-2000:]
            time.sleep(0.5)
    yield port
    process.terminate()
    process.wait(timeout=60)


def test_gunicorn_serves_pages_static_files_and_metrics_in_production(server):
    https = {"X-Forwarded-Proto": "https", "X-Forwarded-For": "198.51.100.4"}
    plain = get(server, "/accounts/login/")
    assert plain.status == 301 and plain.getheader("Location").startswith("https://care.example.gov.cn/")

    pages = [get(server, "/accounts/login/", **https) for _ in range(4)]
    page = pages[0]
    assert page.status == 200
    assert page.getheader("Strict-Transport-Security") == "max-age=31536000; includeSubDomains"
    assert "script-src 'self'" in page.getheader("Content-Security-Policy")
    css = re.search(rb'href="(/static/careforce/site\.[0-9a-f]{12}\.css)"', page.body)
    assert css, "the page links the hashed name of site.css"

    static = get(server, css.group(1).decode(), **https, **{"Accept-Encoding": "gzip"})
    assert static.status == 200
    assert "max-age=315360000" in static.getheader("Cache-Control")
    assert static.getheader("Content-Encoding") == "gzip"

    # Prometheus scrapes the application directly (no proxy, plain HTTP, from an allowed address).
    metrics = get(server, "/metrics")
    assert metrics.status == 200
    body = metrics.body.decode()
    count = re.search(
        r'careforce_http_request_duration_seconds_count\{method="GET",status="2xx",view="core:login"\} (\S+)',
        body,
    )
    assert count and float(count.group(1)) == 4  # added up over the gunicorn workers
    assert "careforce_task_queue_depth 0.0" in body
    # Through the proxy /metrics is someone else's address: refused.
    assert get(server, "/metrics", **https).status == 404
