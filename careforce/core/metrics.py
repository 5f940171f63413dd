"""Prometheus metrics at /metrics: request latency, the task queue, failed jobs, database connections.

The latency histogram is observed by every process that serves requests. Under gunicorn each worker process
has its own counts: with PROMETHEUS_MULTIPROC_DIR set (deploy/systemd/careforce-web.service does), they
write them to files there and /metrics adds them up (prometheus-client's multiprocess mode; the directory is
emptied at each start, deploy/gunicorn.conf.py marks a dead worker's files). The other figures are read from
the database when /metrics is scraped, so they are the same whichever process answers.

Access: the addresses in CAREFORCE_METRICS_ALLOWED_IPS (addresses or networks) or a request with
`Authorization: Bearer <CAREFORCE_METRICS_TOKEN>`. Anyone else gets 404, as for a page that does not exist.
"""

from __future__ import annotations

import hmac
import ipaddress
import os
import time
from datetime import timedelta
from functools import lru_cache

from django.conf import settings
from django.db import connection
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.utils import timezone
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, CollectorRegistry, Histogram, generate_latest
from prometheus_client.core import GaugeMetricFamily
from prometheus_client.multiprocess import MultiProcessCollector

REQUEST_LATENCY = Histogram(
    "careforce_http_request_duration_seconds",
    "Time from the request reaching the application to its response, by route.",
    ["method", "view", "status"],
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0, 30.0),
)

METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


class RequestLatencyMiddleware:
    """Times each request. The route's name, not its path, is the label: a path holds ids (one series per
    record would grow without bound); an address that matched no route counts as "unmatched"."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        started = time.perf_counter()
        response = self.get_response(request)
        match = getattr(request, "resolver_match", None)
        view = (match.view_name or match.route) if match is not None else "unmatched"
        method = request.method if request.method in METHODS else "other"
        REQUEST_LATENCY.labels(method, view, f"{response.status_code // 100}xx").observe(
            time.perf_counter() - started
        )
        return response


class DatabaseCollector:
    """Figures read from the database at scrape time."""

    def collect(self):
        from django_tasks_db.models import DBTaskResult

        from careforce.imports.models import ImportJob

        ready = GaugeMetricFamily(
            "careforce_task_queue_depth", "Background tasks waiting for the worker (due now)."
        )
        ready.add_metric([], DBTaskResult.objects.ready().count())
        yield ready

        oldest = DBTaskResult.objects.ready().order_by("run_after", "enqueued_at").first()
        waited = GaugeMetricFamily(
            "careforce_task_oldest_wait_seconds", "How long the longest-waiting due task has waited."
        )
        waited.add_metric(
            [], max(0.0, (timezone.now() - oldest.enqueued_at).total_seconds()) if oldest else 0.0
        )
        yield waited

        tasks = GaugeMetricFamily(
            "careforce_tasks", "Background task results kept, by status.", labels=["status"]
        )
        for row in DBTaskResult.objects.values("status").annotate(n=Count("id")).order_by("status"):
            tasks.add_metric([row["status"].lower()], row["n"])
        yield tasks

        hour_ago = timezone.now() - timedelta(hours=1)
        failed = GaugeMetricFamily(
            "careforce_tasks_failed_last_hour", "Background tasks that failed in the last hour."
        )
        failed.add_metric([], DBTaskResult.objects.failed().filter(finished_at__gte=hour_ago).count())
        yield failed

        jobs = GaugeMetricFamily("careforce_import_jobs", "Import jobs, by status.", labels=["status"])
        for row in ImportJob.objects.values("status").annotate(n=Count("id")).order_by("status"):
            jobs.add_metric([row["status"]], row["n"])
        yield jobs

        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute(
                    "SELECT count(*), current_setting('max_connections')::int FROM pg_stat_activity"
                    " WHERE datname = current_database()"
                )
                used, allowed = cursor.fetchone()
            yield GaugeMetricFamily(
                "careforce_db_connections", "Open connections to this database (all clients).", value=used
            )
            yield GaugeMetricFamily(
                "careforce_db_max_connections", "The server's max_connections.", value=allowed
            )


def _registry() -> CollectorRegistry:
    registry = CollectorRegistry()
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        MultiProcessCollector(registry)
    else:
        for collector in list(REGISTRY._collector_to_names):
            registry.register(collector)
    registry.register(DatabaseCollector())
    return registry


@lru_cache(maxsize=8)
def _networks(allowed: tuple[str, ...]) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in allowed)


def allowed(request: HttpRequest) -> bool:
    token = settings.METRICS_TOKEN
    if token:
        scheme, _sep, given = request.headers.get("Authorization", "").strip().partition(" ")
        if scheme.lower() == "bearer" and hmac.compare_digest(given.strip().encode(), token.encode()):
            return True
    try:
        address = ipaddress.ip_address(request.META.get("REMOTE_ADDR", ""))
    except ValueError:
        return False
    return any(address in network for network in _networks(tuple(settings.METRICS_ALLOWED_IPS)))


@never_cache
@require_GET
def metrics(request: HttpRequest) -> HttpResponse:
    if not allowed(request):
        raise Http404
    return HttpResponse(generate_latest(_registry()), content_type=CONTENT_TYPE_LATEST)
