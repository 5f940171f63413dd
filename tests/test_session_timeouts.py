"""Sessions end after CAREFORCE_IDLE_TIMEOUT_MINUTES without a request (30 by default) and, however busy,
SESSION_COOKIE_AGE after sign-in. The idle clock is written at most once a minute."""

import os
import subprocess
import sys
import time

import pytest
from django.conf import settings
from django.urls import reverse

from careforce.core.models import Role
from careforce.core.sessions import LAST_ACTIVITY_KEY, SIGNED_IN_AT_KEY
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def signed_in(client):
    client.force_login(factories.user(Role.AUDITOR))
    assert client.get(reverse("core:home")).status_code == 200
    return client


def shift(client, key: str, seconds: int) -> None:
    session = client.session
    session[key] = session[key] - seconds
    session.save()


def test_the_default_idle_timeout_is_30_minutes():
    assert settings.IDLE_TIMEOUT_SECONDS == 30 * 60
    assert settings.SESSION_COOKIE_AGE == 8 * 60 * 60


def test_an_idle_session_is_signed_out_with_a_message(signed_in):
    shift(signed_in, LAST_ACTIVITY_KEY, settings.IDLE_TIMEOUT_SECONDS + 1)
    response = signed_in.get(reverse("core:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("core:login"))
    page = signed_in.get(response.url).content.decode()
    assert "30 分钟未操作" in page
    assert signed_in.get(reverse("core:home")).status_code == 302  # still signed out
    assert signed_in.get("/api/v1/workers").status_code == 401


def test_an_idle_api_session_answers_401(signed_in):
    shift(signed_in, LAST_ACTIVITY_KEY, settings.IDLE_TIMEOUT_SECONDS + 1)
    assert signed_in.get("/api/v1/workers").status_code == 401


def test_activity_keeps_the_session_and_the_clock_is_written_at_most_once_a_minute(signed_in):
    shift(signed_in, LAST_ACTIVITY_KEY, settings.IDLE_TIMEOUT_SECONDS - 5)
    assert signed_in.get(reverse("core:home")).status_code == 200  # just in time: the clock restarts
    first = signed_in.session[LAST_ACTIVITY_KEY]
    assert first >= int(time.time()) - 2
    shift(signed_in, LAST_ACTIVITY_KEY, 30)
    before = signed_in.session[LAST_ACTIVITY_KEY]
    signed_in.get(reverse("core:home"))
    assert signed_in.session[LAST_ACTIVITY_KEY] == before  # under a minute old: not written again
    shift(signed_in, LAST_ACTIVITY_KEY, 31)
    signed_in.get(reverse("core:home"))
    assert signed_in.session[LAST_ACTIVITY_KEY] > before


def test_the_timeout_is_configuration(signed_in, settings):
    settings.IDLE_TIMEOUT_SECONDS = 5 * 60
    shift(signed_in, LAST_ACTIVITY_KEY, 5 * 60 + 1)
    assert signed_in.get(reverse("core:home")).status_code == 302


def test_a_busy_session_still_ends_at_its_absolute_age(signed_in):
    shift(signed_in, SIGNED_IN_AT_KEY, settings.SESSION_COOKIE_AGE + 1)
    response = signed_in.get(reverse("core:home"))
    assert response.status_code == 302
    assert "8 小时" in signed_in.get(response.url).content.decode()


def test_the_environment_sets_the_timeout():
    env = {k: v for k, v in os.environ.items() if not k.startswith("CAREFORCE_")}
    env.update(CAREFORCE_ENV="development", CAREFORCE_IDLE_TIMEOUT_MINUTES="5")
    probe = "import careforce.settings as s; print(s.IDLE_TIMEOUT_SECONDS)"
    result = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True)
    assert result.stdout.strip() == "300", result.stderr
