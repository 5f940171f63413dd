"""Settings for the test suite: development keys, fast password hashing."""

import os

os.environ.setdefault("CAREFORCE_ENV", "development")

from careforce.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}

# SQLite test databases live in memory, as with Django's own backend (pytest-django recognises only that
# backend's name, so say it for ours).
if DATABASES["default"]["ENGINE"] == "careforce.core.db.sqlite3":  # noqa: F405
    DATABASES["default"].setdefault("TEST", {})["NAME"] = ":memory:"  # noqa: F405
