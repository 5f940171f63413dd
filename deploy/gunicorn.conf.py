"""gunicorn settings for CareForce (`gunicorn -c deploy/gunicorn.conf.py careforce.wsgi`).

Environment: CAREFORCE_BIND (default 127.0.0.1:8000, behind the reverse proxy), CAREFORCE_WEB_WORKERS
(default 2 × cores + 1), CAREFORCE_WEB_TIMEOUT (seconds, default 60: an import upload of 160 MB over a slow
link needs the proxy to buffer it, see deploy/nginx/careforce.conf).
"""

import multiprocessing
import os

bind = os.environ.get("CAREFORCE_BIND", "127.0.0.1:8000")
workers = int(os.environ.get("CAREFORCE_WEB_WORKERS", str(2 * multiprocessing.cpu_count() + 1)))
worker_class = "sync"
timeout = int(os.environ.get("CAREFORCE_WEB_TIMEOUT", "60"))
graceful_timeout = 30
# The application is imported once, in the master (careforce/wsgi.py also loads the URLconf, the API schemas,
# the translations and pypinyin's dictionaries there), and each worker starts by fork: a new or replaced
# worker serves at once instead of spending seconds of CPU on imports while the others carry its load. A
# new release therefore needs a restart of the service, not a HUP (docs/operations.md).
preload_app = True
# A worker is replaced after this many requests, bounding the memory a long-lived process can gather; the
# jitter is wide so that workers started together are not all replaced together (each replacement also
# empties that worker's in-memory caches of permissions and answers).
max_requests = 20000
max_requests_jitter = 5000
accesslog = "-"
errorlog = "-"
# The client's address comes from the proxy's X-Forwarded-For (CAREFORCE_PROXY_COUNT); gunicorn itself only
# needs to trust the proxy for the scheme header.
forwarded_allow_ips = os.environ.get("CAREFORCE_FORWARDED_ALLOW_IPS", "127.0.0.1,::1")


def child_exit(server, worker):
    """Prometheus multiprocess mode: a dead worker's live gauges are dropped (its counters are kept)."""
    if os.environ.get("PROMETHEUS_MULTIPROC_DIR"):
        from prometheus_client import multiprocess

        multiprocess.mark_process_dead(worker.pid)
