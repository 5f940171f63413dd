"""CareForce settings: one module, driven by the environment, failing closed in production.

Modes: CAREFORCE_ENV=development (what `make run` and the tests set) uses built-in development keys and
says so; anything else is production, which refuses to start without real keys or with DEBUG on.
"""

from __future__ import annotations

import datetime
import os
import sys
from pathlib import Path

import dj_database_url
from django.core.exceptions import ImproperlyConfigured

from careforce.core import keys

BASE_DIR = Path(__file__).resolve().parent
PROJECT_DIR = BASE_DIR.parent
VAR_DIR = Path(os.environ.get("CAREFORCE_VAR_DIR", PROJECT_DIR / "var"))

ENVIRONMENT = os.environ.get("CAREFORCE_ENV", "production").strip().lower()
DEVELOPMENT = ENVIRONMENT == "development"

# Development keys are public (they are in this file); production refuses every one of them.
DEV_SECRET_KEY = "careforce-development-secret-key-not-for-production-use-0000000000"
DEV_PII_KEYS = "1:Y2FyZWZvcmNlLWRldi1waWkta2V5LU5PVC1TRUNSRVQ="
DEV_BLIND_INDEX_KEY = "Y2FyZWZvcmNlLWRldi1ibGluZC1pbmRleC1rZXktTk9ULVNFQ1JFVA=="


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
PII_KEYS = _require("CAREFORCE_PII_KEYS", DEV_PII_KEYS)
BLIND_INDEX_KEY = _require("CAREFORCE_BLIND_INDEX_KEY", DEV_BLIND_INDEX_KEY)

# Every key is decoded and its length checked in both modes; production also compares the decoded bytes with
# every development key (careforce/core/keys.py: base64 spells the same bytes more than one way).
_KEYS = keys.read_keys(secret_key=SECRET_KEY, pii_keys=PII_KEYS, blind_index_key=BLIND_INDEX_KEY)
if not DEVELOPMENT:
    if DEBUG:
        raise ImproperlyConfigured("DEBUG is on in production mode; unset DEBUG or set it to 0.")
    keys.refuse_development_keys(
        _KEYS,
        keys.read_keys(secret_key=DEV_SECRET_KEY, pii_keys=DEV_PII_KEYS, blind_index_key=DEV_BLIND_INDEX_KEY),
    )

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
    "careforce.timebank",
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
    "django_otp.middleware.OTPMiddleware",
    "careforce.core.sessions.SessionTimeoutMiddleware",
    "careforce.core.sessions.SecondFactorMiddleware",
]
MIDDLEWARE.append("axes.middleware.AxesMiddleware")  # django-axes wants to be last
AUTHENTICATION_BACKENDS = [
    "axes.backends.AxesStandaloneBackend",  # refuses a locked-out account/address before the password is checked
    "django.contrib.auth.backends.ModelBackend",
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
