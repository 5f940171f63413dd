"""Settings for the test suite: development keys, fast password hashing."""

import os

os.environ.setdefault("CAREFORCE_ENV", "development")

from careforce.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
