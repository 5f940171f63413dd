"""/metrics: answered to the configured addresses or the token only, with request latency, the task queue,
failed jobs and (on PostgreSQL) database connections."""

from __future__ import annotations

import datetime

import pytest
from django.db import connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

pytestmark = pytest.mark.django_db

TOKEN = "metrics-token-0123456789abcdefghijklmnop"


def task(status: str, **fields) -> DBTaskResult:
    return DBTaskResult.objects.create(
        status=status,
        args_kwargs={"args": [], "kwargs": {}},
        task_path="careforce.imports.tasks.validate_job",
        backend_name="default",
        run_after=timezone.now() - datetime.timedelta(minutes=5),
        **fields,
    )


def value(body: str, name: str) -> float:
    for line in body.splitlines():
        if line.startswith(name + " ") or line.startswith(name + "{"):
            return float(line.rsplit(" ", 1)[1])
    raise AssertionError(f"{name} not in the metrics")


def test_it_answers_only_the_configured_addresses_or_the_token(client, settings):
    settings.METRICS_ALLOWED_IPS = ["127.0.0.1", "10.20.0.0/16"]
    settings.METRICS_TOKEN = TOKEN
    assert client.get("/metrics", REMOTE_ADDR="127.0.0.1").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.20.3.4").status_code == 200
    assert client.get("/metrics", REMOTE_ADDR="10.21.3.4").status_code == 404
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9").status_code == 404
    assert (
        client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION=f"Bearer {TOKEN}").status_code
        == 200
    )
    assert (
        client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer wrong").status_code
        == 404
    )
    settings.METRICS_TOKEN = ""
    assert client.get("/metrics", REMOTE_ADDR="203.0.113.9", HTTP_AUTHORIZATION="Bearer ").status_code == 404
    assert client.post("/metrics", REMOTE_ADDR="127.0.0.1").status_code in {403, 405}


def test_it_reports_latency_queue_depth_failed_jobs_and_connections(client, city):
    task("READY")
    task("READY")
    task("FAILED", finished_at=timezone.now() - datetime.timedelta(minutes=10))
    task("FAILED", finished_at=timezone.now() - datetime.timedelta(hours=3))
    task("SUCCESSFUL", finished_at=timezone.now())
    client.force_login(city)
    assert client.get("/workers/").status_code == 200

    response = client.get("/metrics", REMOTE_ADDR="127.0.0.1")
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/plain")
    body = response.content.decode()
    assert value(body, "careforce_task_queue_depth") == 2
    assert value(body, "careforce_task_oldest_wait_seconds") >= 0
    assert value(body, "careforce_tasks_failed_last_hour") == 1
    assert 'careforce_tasks{status="failed"} 2.0' in body
    assert (
        'careforce_http_request_duration_seconds_count{method="GET",status="2xx",view="registry:worker_list"}'
        in body
    )
    assert "careforce_import_jobs" in body
    if connection.vendor == "postgresql":
        assert value(body, "careforce_db_connections") >= 1
        assert value(body, "careforce_db_max_connections") >= value(body, "careforce_db_connections")
    # Paths with ids are not labels: one series per route, not per record.
    assert "/workers/" not in body
