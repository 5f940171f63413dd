"""Production hardening: headers and HTTPS in production mode, `check --deploy`, the API description behind
sign-in, the client's address behind a proxy, and the shared store the rate limits count in."""

from __future__ import annotations

import base64
import json
import os
import secrets
import subprocess
import sys

import pytest
from django.core.cache import cache, caches
from django.db import connection
from django.test import override_settings

from careforce.core.models import Role
from careforce.core.tokens import token_create
from tests import factories

REAL_KEYS = {
    "CAREFORCE_SECRET_KEY": secrets.token_urlsafe(50),
    "CAREFORCE_PII_KEYS": "1:" + base64.b64encode(os.urandom(32)).decode(),
    "CAREFORCE_BLIND_INDEX_KEY": base64.b64encode(os.urandom(32)).decode(),
}


def production(tmp_path, **extra: str) -> dict[str, str]:
    """The environment of a production start with real keys, on a throwaway SQLite database."""
    # Not the test run's own switches (the browser tests lift Django's async guard, which --deploy refuses).
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("CAREFORCE_") and k not in {"DEBUG", "DJANGO_ALLOW_ASYNC_UNSAFE"}
    }
    clean.pop("DATABASE_URL", None)
    clean.pop("DJANGO_SETTINGS_MODULE", None)
    return {
        **clean,
        **REAL_KEYS,
        "CAREFORCE_ENV": "production",
        "CAREFORCE_VAR_DIR": str(tmp_path),
        "ALLOWED_HOSTS": "care.example.gov.cn",
        **extra,
    }


def careforce(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, "-m", "careforce.cli", *args], env=env, capture_output=True, text=True, timeout=300
    )


# What a production process answers, through Django's test client in that process.
PROBE = r"""
import json, os
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careforce.settings")
import django
django.setup()
from django.conf import settings
from django.test import Client
from django.test.utils import override_settings
# Hashed static names need `collectstatic` (test_serving.py does it); the headers do not.
override_settings(STORAGES={**settings.STORAGES, "staticfiles": {
    "BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}).enable()
client = Client(HTTP_HOST="care.example.gov.cn")
out = {}
plain = client.get("/accounts/login/")
out["plain"] = [plain.status_code, plain.headers.get("Location", "")]
secure = client.get("/accounts/login/", secure=True)
out["secure"] = [secure.status_code, dict(secure.headers)]
cookie = secure.cookies.get(settings.CSRF_COOKIE_NAME)
out["csrf_cookie"] = {k: cookie[k] for k in ("secure", "httponly", "samesite")} if cookie else None
proxied = client.get("/accounts/login/", HTTP_X_FORWARDED_PROTO="https")
out["proxied"] = proxied.status_code
out["settings"] = {
    name: getattr(settings, name)
    for name in ("SESSION_COOKIE_SECURE", "SESSION_COOKIE_HTTPONLY", "SESSION_COOKIE_SAMESITE",
                 "CSRF_COOKIE_SECURE", "CSRF_COOKIE_HTTPONLY", "SECURE_SSL_REDIRECT", "SECURE_HSTS_SECONDS")
}
out["cache"] = settings.CACHES["default"]["BACKEND"]
print("PROBE" + json.dumps(out))
"""


def probe(env: dict[str, str]) -> dict:
    result = subprocess.run(
        [sys.executable, "-c", PROBE], env=env, capture_output=True, text=True, timeout=120
    )
    assert result.returncode == 0, result.stderr[-2000:]
    return json.loads(result.stdout.split("PROBE", 1)[1])


def test_it_passes_check_deploy_in_production_mode(tmp_path):
    result = careforce("check", "--deploy", "--fail-level", "WARNING", env=production(tmp_path))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout
    assert "WARNING" not in result.stdout + result.stderr


def test_it_sends_hsts_csp_and_secure_cookies_and_redirects_to_https_in_production(tmp_path):
    out = probe(production(tmp_path))
    assert out["plain"] == [301, "https://care.example.gov.cn/accounts/login/"]
    status, headers = out["secure"]
    assert status == 200
    assert headers["Strict-Transport-Security"] == "max-age=31536000; includeSubDomains"
    csp = headers["Content-Security-Policy"]
    for directive in (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "object-src 'none'",
        "frame-ancestors 'none'",
        "base-uri 'self'",
        "form-action 'self'",
    ):
        assert directive in csp
    assert "unsafe-inline" not in csp and "unsafe-eval" not in csp
    assert headers["X-Frame-Options"] == "DENY"
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert out["csrf_cookie"] == {"secure": True, "httponly": True, "samesite": "Lax"}
    assert out["settings"] == {
        "SESSION_COOKIE_SECURE": True,
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "CSRF_COOKIE_SECURE": True,
        "CSRF_COOKIE_HTTPONLY": True,
        "SECURE_SSL_REDIRECT": True,
        "SECURE_HSTS_SECONDS": 31536000,
    }
    # Without a configured proxy header, a client claiming HTTPS in a header is not believed.
    assert out["proxied"] == 301
    assert out["cache"] == "careforce.core.cache.DatabaseCache"


def test_it_trusts_the_proxy_ssl_header_only_when_configured_and_hsts_is_configurable(tmp_path):
    out = probe(
        production(
            tmp_path,
            CAREFORCE_PROXY_SSL_HEADER="X-Forwarded-Proto",
            CAREFORCE_HSTS_SECONDS="600",
            CAREFORCE_HSTS_INCLUDE_SUBDOMAINS="0",
            CAREFORCE_REDIS_URL="redis://127.0.0.1:6379/15",
        )
    )
    assert out["proxied"] == 200
    assert out["secure"][1]["Strict-Transport-Security"] == "max-age=600"
    assert out["cache"] == "careforce.core.cache.RedisCache"


def test_development_keeps_plain_http():
    from django.conf import settings

    assert not settings.SECURE_SSL_REDIRECT and settings.SECURE_HSTS_SECONDS == 0


# ---------------------------------------------------------------------------------------------- the API docs
@pytest.mark.django_db
@override_settings(API_DOCS_PUBLIC=False)
def test_the_api_description_needs_a_signed_in_account_in_production(client):
    schema = client.get("/api/v1/openapi.json")
    assert schema.status_code == 401
    assert schema.headers["WWW-Authenticate"] == "Bearer"
    assert "detail" in schema.json()
    docs = client.get("/api/v1/docs")
    assert docs.status_code == 302 and docs.headers["Location"].startswith(
        "/accounts/login/?next=/api/v1/docs"
    )
    # A wrong token is refused like no token.
    assert client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION="Bearer cf_wrong").status_code == 401

    city = factories.city_admin()
    _row, token = token_create(user=city, name="接口测试", actor=city)
    signed = client.get("/api/v1/openapi.json", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert signed.status_code == 200 and signed.json()["info"]["title"] == "CareForce API"
    client.force_login(factories.user(Role.AUDITOR))
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200


@pytest.mark.django_db
def test_the_api_description_stays_open_in_development(client):
    assert client.get("/api/v1/openapi.json").status_code == 200
    assert client.get("/api/v1/docs").status_code == 200


# ---------------------------------------------------------------------------------- the address behind a proxy
@pytest.mark.django_db
def test_behind_a_proxy_the_client_address_is_the_one_the_proxy_saw(client, settings):
    from careforce.core.proxy import ForwardedForMiddleware

    seen = {}

    def view(request):
        seen["addr"] = request.META["REMOTE_ADDR"]
        return None

    middleware = ForwardedForMiddleware(view)

    class Request:
        def __init__(self, forwarded):
            self.META = {"REMOTE_ADDR": "127.0.0.1", "HTTP_X_FORWARDED_FOR": forwarded}

    settings.PROXY_COUNT = 0
    middleware(Request("1.2.3.4, 10.0.0.9"))
    assert seen["addr"] == "127.0.0.1"  # no proxy configured: the header is the client's word
    settings.PROXY_COUNT = 1
    middleware(Request("1.2.3.4, 10.0.0.9"))  # the client wrote 1.2.3.4; our proxy appended 10.0.0.9
    assert seen["addr"] == "10.0.0.9"
    middleware(Request(""))
    assert seen["addr"] == "127.0.0.1"


# ----------------------------------------------------------------------------------- the shared counter store
def _fresh_client():
    return caches.create_connection("default")


@pytest.mark.django_db
def test_the_rate_limits_count_in_the_database_shared_by_every_process():
    from careforce.core.cache import DatabaseCache

    assert isinstance(caches["default"], DatabaseCache)
    one, two = _fresh_client(), _fresh_client()
    assert one is not two
    one.add("throttle:test", 0, timeout=3600)
    assert one.incr("throttle:test") == 1
    assert two.incr("throttle:test") == 2  # another client (as in another process) counts on
    assert one.get("throttle:test") == 2
    with connection.cursor() as cursor:
        cursor.execute("SELECT COUNT(*) FROM careforce_cache")
        assert cursor.fetchone()[0] >= 1


@pytest.mark.django_db
def test_a_counter_keeps_its_window_when_it_counts():
    """Django's DatabaseCache.incr re-sets the entry with the default five-minute timeout; ours keeps the
    expiry the counter was made with."""
    cache.add("throttle:window", 0, timeout=3600)

    def expires():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT expires FROM careforce_cache WHERE cache_key = %s",
                [cache.make_key("throttle:window")],
            )
            return cursor.fetchone()[0]

    before = expires()
    for _ in range(3):
        cache.incr("throttle:window")
    assert expires() == before
    assert cache.get("throttle:window") == 3
    with pytest.raises(ValueError):
        cache.incr("throttle:missing")


@pytest.mark.django_db
def test_the_public_throttles_count_in_the_shared_store(settings):
    from careforce.skills.public import rate_limited

    settings.CAREFORCE_VERIFY_RATE = (3, 3600)
    other = _fresh_client()
    assert [rate_limited("198.51.100.7") for _ in range(4)] == [False, False, False, True]
    keys = [k for k in _cache_keys() if "skills:verify:198.51.100.7" in k]
    assert len(keys) == 1
    assert other.get(keys[0].split(":", 2)[2]) == 4  # the key without its prefix and version


def _cache_keys() -> list[str]:
    with connection.cursor() as cursor:
        cursor.execute("SELECT cache_key FROM careforce_cache")
        return [row[0] for row in cursor.fetchall()]


REDIS_URL = os.environ.get("CAREFORCE_TEST_REDIS_URL", "redis://127.0.0.1:6379/15")

COUNT_IN_REDIS = """
import os, sys
os.environ["DJANGO_SETTINGS_MODULE"] = "careforce.settings"
import django
django.setup()
from django.core.cache import cache
print("COUNT", cache.incr(sys.argv[1]))
"""


def _redis_or_skip():
    import redis

    try:
        redis.Redis.from_url(REDIS_URL, socket_connect_timeout=1).ping()
    except redis.exceptions.ConnectionError:
        if os.environ.get("CI"):
            raise
        pytest.skip(f"no Redis at {REDIS_URL} (CI starts one)")


def test_with_redis_two_processes_see_the_same_count(tmp_path):
    _redis_or_skip()
    from django.core.cache.backends.redis import RedisCache

    env = {
        **{k: v for k, v in os.environ.items() if k != "DJANGO_SETTINGS_MODULE"},
        "CAREFORCE_ENV": "development",
        "CAREFORCE_REDIS_URL": REDIS_URL,
        "CAREFORCE_VAR_DIR": str(tmp_path),
    }
    key = f"throttle:{secrets.token_hex(4)}"
    here = RedisCache(REDIS_URL, {"KEY_PREFIX": "careforce"})
    here.add(key, 0, timeout=60)
    counts = []
    for _ in range(2):
        result = subprocess.run(
            [sys.executable, "-c", COUNT_IN_REDIS, key], env=env, capture_output=True, text=True, timeout=120
        )
        assert result.returncode == 0, result.stderr[-2000:]
        counts.append(int(result.stdout.split("COUNT", 1)[1]))
    assert counts == [1, 2]
    assert here.incr(key) == 3
    assert 0 < here._cache.get_client(key).ttl(here.make_and_validate_key(key)) <= 60
    here.delete(key)


def test_the_redis_cache_keeps_one_client_per_pool():
    _redis_or_skip()
    from careforce.core.cache import RedisCache

    cache = RedisCache(REDIS_URL, {"KEY_PREFIX": f"careforce-test-{secrets.token_hex(4)}"})
    first = cache._cache.get_client("a")
    assert cache._cache.get_client("b") is first  # Django's own client maker returns a new one each call
    cache.set("k", {"v": 1}, timeout=30)
    assert cache.get("k") == {"v": 1}
    assert cache.add("n", 0, timeout=30) and cache.incr("n") == 1
    cache.delete_many(["k", "n"])
