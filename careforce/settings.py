"""CareForce settings: one module, driven by the environment, failing closed in production.

Modes: CAREFORCE_ENV=development (what `make run` and the tests set) uses built-in development keys and
says so; anything else is production, which refuses to start without real keys or with DEBUG on.
"""

from __future__ import annotations

import datetime
import os
import re
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from careforce.core import crypto_provider, keys

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("CAREFORCE_VAR_DIR", PROJECT_DIR / "var"))

ENVIRONMENT = os.environ.get("CAREFORCE_ENV", "production").strip().lower()
DEVELOPMENT = ENVIRONMENT == "development"

# Development keys are public (they are in this file); production refuses every one of them.
DEV_SECRET_KEY = "careforce-development-secret-key-not-for-production-use-0000000000"
DEV_PII_KEYS = "1:Y2FyZWZvcmNlLWRldi1waWkta2V5LU5PVC1TRUNSRVQ="
DEV_BLIND_INDEX_KEY = "Y2FyZWZvcmNlLWRldi1ibGluZC1pbmRleC1rZXktTk9ULVNFQ1JFVA=="
DEV_SM4_PII_KEY = "2:Y2YtZGV2LXNtNC1OT1RLWQ=="  # 16 bytes: the development ring under the SM4 suite


def _env_bool(name: str, default: bool) -> bool:
    raw = os.environ.get(name)
    if raw is None or raw.strip() == "":
        return default
    value = raw.strip().lower()
    if value in {"1", "true", "yes", "on"}:
        return True
    if value in {"0", "false", "no", "off"}:
        return False
    raise ImproperlyConfigured(f"{name} must be one of 1/0/true/false/yes/no/on/off, got {raw!r}")


def _env_list(name: str, default: list[str]) -> list[str]:
    raw = os.environ.get(name)
    if raw is None:
        return default
    return [item.strip() for item in raw.split(",") if item.strip()]


def _require(name: str, dev_default: str) -> str:
    value = os.environ.get(name, "").strip()
    if DEVELOPMENT:
        return value or dev_default
    if not value:
        raise ImproperlyConfigured(
            f"{name} is not set. Production mode needs real keys (see docs/operations.md); "
            "for a development machine set CAREFORCE_ENV=development."
        )
    return value


DEBUG = _env_bool("DEBUG", default=DEVELOPMENT)
SECRET_KEY = _require("CAREFORCE_SECRET_KEY", DEV_SECRET_KEY)
# Cipher suite (docs/operations.md "Cipher suites and keys"): aes256gcm-hmacsha256 or sm4gcm-hmacsm3.
CRYPTO_SUITE = os.environ.get("CAREFORCE_CRYPTO_SUITE", "aes256gcm-hmacsha256").strip().lower()
CRYPTO_PROVIDER = os.environ.get(
    "CAREFORCE_CRYPTO_PROVIDER", "careforce.core.crypto_provider.SoftwareProvider"
)
PII_KEYS = _require(
    "CAREFORCE_PII_KEYS",
    f"{DEV_SM4_PII_KEY},{DEV_PII_KEYS}" if CRYPTO_SUITE == "sm4gcm-hmacsm3" else DEV_PII_KEYS,
)
BLIND_INDEX_KEY = _require("CAREFORCE_BLIND_INDEX_KEY", DEV_BLIND_INDEX_KEY)
# During a change of suite or blind index key: `<suite>` or `<suite>:<base64 key>` of the index before.
BLIND_INDEX_PREVIOUS = os.environ.get("CAREFORCE_BLIND_INDEX_PREVIOUS", "").strip()
# The audit digest chain's key (base64, 32+ bytes); unset, one derived from the blind index key.
AUDIT_KEY = os.environ.get("CAREFORCE_AUDIT_KEY", "").strip()
# Where the signed audit checkpoints go: outside the database, ideally on write-once or remote storage.
AUDIT_CHECKPOINT_DIR = Path(os.environ.get("CAREFORCE_AUDIT_CHECKPOINT_DIR", VAR_DIR / "audit-checkpoints"))
AUDIT_SEAL_MINUTES = int(os.environ.get("CAREFORCE_AUDIT_SEAL_MINUTES", "10"))

# Every key is decoded and its length checked in both modes; production also compares the decoded bytes with
# every development key (careforce/core/keys.py: base64 spells the same bytes more than one way).
_KEYS = keys.read_keys(secret_key=SECRET_KEY, pii_keys=PII_KEYS, blind_index_key=BLIND_INDEX_KEY)
if not DEVELOPMENT:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG is on in production mode; unset DEBUG or set it to 0.")
    keys.refuse_development_keys(
        _KEYS,
        keys.read_keys(
            secret_key=DEV_SECRET_KEY,
            pii_keys=f"{DEV_SM4_PII_KEY},{DEV_PII_KEYS}",
            blind_index_key=DEV_BLIND_INDEX_KEY,
        ),
    )
    for _extra, _name in ((AUDIT_KEY, "CAREFORCE_AUDIT_KEY"), (BLIND_INDEX_PREVIOUS.partition(":")[2], "")):
        if _extra and keys.decode_base64_key(_name or "CAREFORCE_BLIND_INDEX_PREVIOUS", _extra) in {
            keys.decode_base64_key("", DEV_BLIND_INDEX_KEY),
            keys.decode_base64_key("", DEV_PII_KEYS.split(":", 1)[1]),
            keys.decode_base64_key("", DEV_SM4_PII_KEY.split(":", 1)[1]),
        }:
            raise ImproperlyConfigured(
                f"{_name or 'CAREFORCE_BLIND_INDEX_PREVIOUS'} is a public development key."
            )
crypto_provider.check_suite(
    CRYPTO_SUITE, _KEYS.pii_ring, BLIND_INDEX_PREVIOUS, AUDIT_KEY
)  # fail at start, not at the first write

ALLOWED_HOSTS = _env_list("ALLOWED_HOSTS", ["127.0.0.1", "localhost", "testserver"] if DEVELOPMENT else [])
CSRF_TRUSTED_ORIGINS = _env_list("CSRF_TRUSTED_ORIGINS", [])

INSTALLED_APPS = [
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
    "django.contrib.humanize",
    # Before django_tasks_db: careforce.core's db_worker (the same worker, which also schedules the
    # periodic tasks) takes precedence over the library's command of the same name.
    "careforce.core",
    "django_tasks",
    "django_tasks_db",
    "careforce.institutions",
    "careforce.registry",
    "careforce.imports",
    "careforce.training",
    "careforce.skills",
    "careforce.pools",
    "careforce.conduct",
    "careforce.credit",
    "careforce.rankings",
    "careforce.indicators",
    "careforce.staffing",
    "careforce.timebank",
    "careforce.recognition",
    "careforce.incentives",
    "careforce.vacancies",
]

MIDDLEWARE = [
    "django.middleware.security.SecurityMiddleware",
    "django.contrib.sessions.middleware.SessionMiddleware",
    "django.middleware.locale.LocaleMiddleware",
    "django.middleware.common.CommonMiddleware",
    "django.middleware.csrf.CsrfViewMiddleware",
    "django.contrib.auth.middleware.AuthenticationMiddleware",
    "django.contrib.messages.middleware.MessageMiddleware",
    "django.middleware.clickjacking.XFrameOptionsMiddleware",
]

ROOT_URLCONF = "careforce.urls"
WSGI_APPLICATION = "careforce.wsgi.application"
ASGI_APPLICATION = "careforce.asgi.application"

TEMPLATES = [
    {
        "BACKEND": "django.template.backends.django.DjangoTemplates",
        "DIRS": [BASE_DIR / "templates"],
        "APP_DIRS": True,
        "OPTIONS": {
            "context_processors": [
                "django.template.context_processors.request",
                "django.contrib.auth.context_processors.auth",
                "django.contrib.messages.context_processors.messages",
                "django.template.context_processors.i18n",
                "careforce.core.context_processors.scope",
            ],
        },
    },
]

DEFAULT_SQLITE_URL = f"sqlite:///{VAR_DIR / 'careforce.sqlite3'}"
DATABASES = {
    "default": dj_database_url.parse(os.environ.get("DATABASE_URL") or DEFAULT_SQLITE_URL, conn_max_age=60)
}
# Django's backends with callbacks run inside a transaction just before it commits (the dashboard's facts
# are brought up to date there: careforce/core/db/precommit.py).
DATABASES["default"]["ENGINE"] = {
    "django.db.backends.postgresql": "careforce.core.db.postgresql",
    "django.db.backends.sqlite3": "careforce.core.db.sqlite3",
}.get(DATABASES["default"]["ENGINE"], DATABASES["default"]["ENGINE"])
if DATABASES["default"]["ENGINE"] == "careforce.core.db.sqlite3":
    VAR_DIR.mkdir(parents=True, exist_ok=True)
    # WAL lets the web server read while the background worker writes.
    DATABASES["default"]["OPTIONS"] = {
        "init_command": "PRAGMA journal_mode=WAL; PRAGMA synchronous=NORMAL;",
        "transaction_mode": "IMMEDIATE",
        "timeout": 20,
    }
    DATABASES["default"]["CONN_MAX_AGE"] = 0

DEFAULT_AUTO_FIELD = "django.db.models.BigAutoField"
AUTH_USER_MODEL = "core.User"
LOGIN_URL = "core:login"
LOGIN_REDIRECT_URL = "core:home"
LOGOUT_REDIRECT_URL = "core:login"

AUTH_PASSWORD_VALIDATORS = [
    {"NAME": "django.contrib.auth.password_validation.UserAttributeSimilarityValidator"},
    {"NAME": "django.contrib.auth.password_validation.MinimumLengthValidator", "OPTIONS": {"min_length": 12}},
    {"NAME": "django.contrib.auth.password_validation.CommonPasswordValidator"},
    {"NAME": "django.contrib.auth.password_validation.NumericPasswordValidator"},
]

LANGUAGE_CODE = "zh-hans"
LANGUAGES = [("zh-hans", "简体中文"), ("en", "English")]
LOCALE_PATHS = [BASE_DIR / "locale"]
TIME_ZONE = "Asia/Shanghai"
USE_I18N = True
USE_TZ = True

STATIC_URL = "/static/"
STATICFILES_DIRS = [BASE_DIR / "static"]
STATIC_ROOT = VAR_DIR / "static"

# Uploads: rosters are spreadsheets; anything larger than this is refused before it is read.
DATA_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
FILE_UPLOAD_MAX_MEMORY_SIZE = 5 * 1024 * 1024
# A roster file: a city-wide roster of 1,000,000 people is ~110 MB as GBK CSV (~60 MB as xlsx).
IMPORT_MAX_UPLOAD_BYTES = int(os.environ.get("CAREFORCE_IMPORT_MAX_UPLOAD_MB", "160")) * 1024 * 1024
# Files with at least this many rows are read and prepared in a helper process, one batch ahead of the
# writer (careforce/imports/ahead.py); below it the fork and the hand-over cost more than they save.
IMPORT_AHEAD_MIN_ROWS = int(os.environ.get("CAREFORCE_IMPORT_AHEAD_MIN_ROWS", "10000"))
# Hostile spreadsheets (careforce/imports/limits.py): refused before any reader builds a grid.
IMPORT_MAX_COLUMNS = int(os.environ.get("CAREFORCE_IMPORT_MAX_COLUMNS", "1000"))
IMPORT_MAX_ROWS = int(os.environ.get("CAREFORCE_IMPORT_MAX_ROWS", "1048576"))
IMPORT_MAX_CELLS = int(os.environ.get("CAREFORCE_IMPORT_MAX_CELLS", "20000000"))
IMPORT_MAX_PART_BYTES = int(os.environ.get("CAREFORCE_IMPORT_MAX_PART_MB", "1536")) * 1024 * 1024
IMPORT_MAX_COMPRESSION_RATIO = int(os.environ.get("CAREFORCE_IMPORT_MAX_COMPRESSION_RATIO", "100"))
# Files are parsed in a child process that may grow by at most this much beyond what it starts with.
IMPORT_CHILD_MEMORY_BYTES = int(os.environ.get("CAREFORCE_IMPORT_CHILD_MEMORY_MB", "2048")) * 1024 * 1024
# A running import beats every few seconds; one silent for IMPORT_DEAD_AFTER_SECONDS lost its worker.
IMPORT_HEARTBEAT_SECONDS = float(os.environ.get("CAREFORCE_IMPORT_HEARTBEAT_SECONDS", "5"))
IMPORT_DEAD_AFTER_SECONDS = int(os.environ.get("CAREFORCE_IMPORT_DEAD_AFTER_SECONDS", "30"))
# Uploaded files are purged when saved or cancelled, and after this many days otherwise.
IMPORT_FILE_RETENTION_DAYS = int(os.environ.get("CAREFORCE_IMPORT_FILE_RETENTION_DAYS", "7"))

SESSION_COOKIE_HTTPONLY = True
SESSION_COOKIE_AGE = 8 * 60 * 60
SECURE_CONTENT_TYPE_NOSNIFF = True
X_FRAME_OPTIONS = "DENY"
if not DEVELOPMENT:
    SESSION_COOKIE_SECURE = _env_bool("CAREFORCE_SECURE_COOKIES", True)
    CSRF_COOKIE_SECURE = SESSION_COOKIE_SECURE

TASKS = {"default": {"BACKEND": "django_tasks_db.DatabaseBackend"}}

LOGGING = {
    "version": 1,
    "disable_existing_loggers": False,
    "handlers": {"console": {"class": "logging.StreamHandler", "stream": sys.stderr}},
    "root": {"handlers": ["console"], "level": os.environ.get("CAREFORCE_LOG_LEVEL", "INFO")},
    "loggers": {"django.db.backends": {"level": "WARNING"}},
}

# Pagination: lists never COUNT past this; beyond it they say "more than N".
LIST_COUNT_CAP = 10_000
LIST_PAGE_SIZE = 25


# ---------------------------------------------------------------- accounts: sign-in, second factor, sessions
# (docs/security.md, "Accounts"). Kept together so that other settings can change around them.
INSTALLED_APPS += ["django_otp", "django_otp.plugins.otp_totp", "axes"]
# After the messages middleware (the idle timeout leaves a message): the second-factor state of the session,
# then the idle and absolute timeouts, then the gate that treats an unverified session as signed out.
MIDDLEWARE[MIDDLEWARE.index("django.contrib.messages.middleware.MessageMiddleware") + 1 : 0] = [
    # django-otp's middleware, with the session's device kept in memory per account version
    "careforce.core.account_cache.CachedOTPMiddleware",
    "careforce.core.sessions.SessionTimeoutMiddleware",
    "careforce.core.sessions.SecondFactorMiddleware",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # django-axes wants to be last
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out account/address before the password is checked
    # Django's ModelBackend with each account's permissions kept in memory per account version
    "careforce.core.account_cache.CachedPermissionsBackend",
]

# Password guessing: after this many wrong passwords for one account from one address, that pair is locked
# for the cool-off time (0 = until the security administrator unlocks it). Counted in the database, so all
# processes share the count.
AXES_FAILURE_LIMIT = int(os.environ.get("CAREFORCE_LOGIN_FAILURE_LIMIT", "5"))
_lockout_minutes = int(os.environ.get("CAREFORCE_LOGIN_LOCKOUT_MINUTES", "30"))
AXES_COOLOFF_TIME = datetime.timedelta(minutes=_lockout_minutes) if _lockout_minutes > 0 else None
AXES_LOCKOUT_PARAMETERS = [["username", "ip_address"]]
AXES_HANDLER = "axes.handlers.database.AxesDatabaseHandler"
AXES_RESET_ON_SUCCESS = True
AXES_ENABLE_ACCESS_FAILURE_LOG = True
AXES_ENABLE_ADMIN = False  # careforce/core/admin.py shows its tables read-only; unlocking is audited
AXES_LOCKOUT_CALLABLE = "careforce.core.lockouts.lockout_response"
AXES_VERBOSE = False  # no start-up banner in every command
LOGGING["loggers"]["axes"] = {"level": "WARNING"}  # lockouts and failures, not every successful sign-in

# Second factor (TOTP, RFC 6238) for every role that can write and for the administrators.
OTP_TOTP_ISSUER = "CareForce"
OTP_TOTP_THROTTLE_FACTOR = 1  # 1, 2, 4, 8 … seconds between tries after wrong codes
RECOVERY_CODE_COUNT = 10

# Sessions end after this much inactivity; SESSION_COOKIE_AGE stays their longest life from sign-in. The
# last-activity time is written at most once a minute.
IDLE_TIMEOUT_SECONDS = int(os.environ.get("CAREFORCE_IDLE_TIMEOUT_MINUTES", "30")) * 60
IDLE_CLOCK_RESOLUTION_SECONDS = 60


# ---------------------------------------------------------------- headers, HTTPS, static files, shared cache,
# metrics (docs/security.md "Headers", docs/operations.md "Production start" and "Monitoring").
# First: the latency histogram times everything below it.
MIDDLEWARE.insert(0, "careforce.core.metrics.RequestLatencyMiddleware")
# The client's address as the proxy in front saw it (throttles and lockouts count per address), before
# anything reads REMOTE_ADDR.
MIDDLEWARE.insert(1, "careforce.core.proxy.ForwardedForMiddleware")
_after_security = MIDDLEWARE.index("django.middleware.security.SecurityMiddleware") + 1
MIDDLEWARE.insert(_after_security, "csp.middleware.CSPMiddleware")
if not DEVELOPMENT:
    # Production serves the collected static files itself (`careforce collectstatic`); runserver and the
    # test server serve them in development.
    MIDDLEWARE.insert(_after_security, "whitenoise.middleware.WhiteNoiseMiddleware")

# Content-Security-Policy, in both modes so that development and the browser tests meet it first: scripts and
# styles only from our own static files (no inline <script>, no on…= handlers, no style= attributes, no
# eval), nothing framed, no plugins, forms post only to us. Images may be data: URIs (Bootstrap's icons in
# its CSS, the QR codes of certificates).
CONTENT_SECURITY_POLICY = {
    "DIRECTIVES": {
        "default-src": ["'self'"],
        "script-src": ["'self'"],
        "style-src": ["'self'"],
        "img-src": ["'self'", "data:"],
        "font-src": ["'self'", "data:"],
        "connect-src": ["'self'"],
        "object-src": ["'none'"],
        "frame-ancestors": ["'none'"],
        "base-uri": ["'self'"],
        "form-action": ["'self'"],
    }
}

# Proxy in front: how many proxies append to X-Forwarded-For (0 = none, REMOTE_ADDR is the client).
PROXY_COUNT = int(os.environ.get("CAREFORCE_PROXY_COUNT", "0"))

if not DEVELOPMENT:
    # HTTPS only. HSTS tells browsers to refuse plain HTTP for this host (and its subdomains) for a year.
    SECURE_HSTS_SECONDS = int(os.environ.get("CAREFORCE_HSTS_SECONDS", str(365 * 24 * 3600)))
    SECURE_HSTS_INCLUDE_SUBDOMAINS = _env_bool("CAREFORCE_HSTS_INCLUDE_SUBDOMAINS", True)
    SECURE_HSTS_PRELOAD = _env_bool("CAREFORCE_HSTS_PRELOAD", False)
    SECURE_SSL_REDIRECT = _env_bool("CAREFORCE_SSL_REDIRECT", True)
    # Prometheus scrapes the application directly over the local network, not through the proxy.
    SECURE_REDIRECT_EXEMPT = [r"^metrics$"]
    # Only behind a proxy that sets this header on every request and strips it from clients: then a request
    # the proxy received over HTTPS counts as secure. Directly exposed, a client could claim HTTPS with it.
    _proxy_ssl_header = os.environ.get("CAREFORCE_PROXY_SSL_HEADER", "").strip()
    if _proxy_ssl_header:
        SECURE_PROXY_SSL_HEADER = ("HTTP_" + _proxy_ssl_header.upper().replace("-", "_"), "https")
    SESSION_COOKIE_SAMESITE = "Lax"
    CSRF_COOKIE_SAMESITE = "Lax"
    CSRF_COOKIE_HTTPONLY = True  # pages put the token in the form or the htmx header, no script reads it
    # Preloading puts the domain in the browsers' built-in HTTPS-only list, a decision for the domain's owner
    # (and hard to undo); Django warns while it is off. Set CAREFORCE_HSTS_PRELOAD=1 once that is decided.
    if not SECURE_HSTS_PRELOAD:
        SILENCED_SYSTEM_CHECKS = ["security.W021"]
    # Compressed, content-hashed file names (cached for ever by browsers); needs `careforce collectstatic`.
    STORAGES = {
        "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
        "staticfiles": {"BACKEND": "whitenoise.storage.CompressedManifestStaticFilesStorage"},
    }

# The cache holds the rate limits' counters, so every process must see the same one: the database by default
# (the table is made by migrate), Redis when CAREFORCE_REDIS_URL is set.
REDIS_URL = os.environ.get("CAREFORCE_REDIS_URL", "").strip()
if REDIS_URL:
    CACHES = {
        "default": {
            "BACKEND": "careforce.core.cache.RedisCache",  # one client per pool, not one per call
            "LOCATION": REDIS_URL,
            # Several deployments (or a benchmark beside a running site) may share one Redis.
            "KEY_PREFIX": os.environ.get("CAREFORCE_REDIS_KEY_PREFIX", "careforce").strip() or "careforce",
        }
    }
    # Sessions read from Redis, written through to the database (a restart of Redis signs nobody out): an
    # authenticated request no longer waits on the database for its session.
    SESSION_ENGINE = "django.contrib.sessions.backends.cached_db"
else:
    CACHES = {
        "default": {
            "BACKEND": "careforce.core.cache.DatabaseCache",
            "LOCATION": "careforce_cache",
            # Django culls a third of the entries past MAX_ENTRIES; counters must not vanish under load.
            "OPTIONS": {"MAX_ENTRIES": 1_000_000},
        }
    }

# /metrics (Prometheus): answered to these addresses (single addresses or networks) or to a request with
# `Authorization: Bearer <CAREFORCE_METRICS_TOKEN>`; everyone else gets 404.
METRICS_ALLOWED_IPS = _env_list("CAREFORCE_METRICS_ALLOWED_IPS", ["127.0.0.1", "::1"])
METRICS_TOKEN = os.environ.get("CAREFORCE_METRICS_TOKEN", "").strip()
if METRICS_TOKEN and not DEVELOPMENT and len(METRICS_TOKEN) < 32:
    raise ImproperlyConfigured("CAREFORCE_METRICS_TOKEN must be at least 32 characters.")

# The OpenAPI document and its docs page: open in development, for signed-in accounts (session or bearer
# token) in production.
API_DOCS_PUBLIC = _env_bool("CAREFORCE_API_DOCS_PUBLIC", DEVELOPMENT)
# Full-identifier lookups (a whole ID number or phone typed into a search): each is written to the access
# log of reads, and one account may make this many per period ("count/period", period s, m, h or d, e.g.
# 30/h) across all processes. The count lives in the default cache (careforce/core/access.py), so that cache
# must be one all processes share.
LOOKUP_RATE = os.environ.get("CAREFORCE_LOOKUP_RATE", "30/h").strip()
if not re.fullmatch(r"[1-9]\d*/\d*[smhd]", LOOKUP_RATE):
    raise ImproperlyConfigured(
        f"CAREFORCE_LOOKUP_RATE must look like 30/h (a count / s, m, h or d), got {LOOKUP_RATE!r}"
    )
# Certificates and trainings whose validity ends within this many days are listed for their institutions.
CAREFORCE_EXPIRY_NOTICE_DAYS = int(os.environ.get("CAREFORCE_EXPIRY_NOTICE_DAYS", "90"))
