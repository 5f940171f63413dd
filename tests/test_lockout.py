"""Password guessing: wrong passwords are counted per account and address and lock that pair; the security
administrator unlocks (audited); city and security administrators see the lockouts."""

import datetime

import pytest
from axes.models import AccessAttempt, AccessFailureLog
from django.conf import settings
from django.urls import reverse

from careforce.core.models import AuditEvent, Role
from tests import factories

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


def attempt(client, username, password, ip="10.1.2.3"):
    return client.post(reverse("core:login"), {"username": username, "password": password}, REMOTE_ADDR=ip)


@pytest.fixture
def auditor(db):
    return factories.user(Role.AUDITOR)


def test_wrong_passwords_lock_the_account_from_that_address(client, auditor):
    limit = settings.AXES_FAILURE_LIMIT
    assert limit == 5
    for n in range(limit - 1):
        response = attempt(client, auditor.username, f"wrong-{n}")
        assert response.status_code == 200 and "用户名或密码" in response.content.decode()
    response = attempt(client, auditor.username, "wrong-last")
    assert response.status_code == 429
    assert 'id="locked-out"' in response.content.decode()
    # Locked: even the right password is refused, before it is checked.
    response = attempt(client, auditor.username, PASSWORD)
    assert response.status_code == 429
    assert client.get(reverse("core:home")).status_code == 302
    # The same account from another address is not locked (a guesser cannot lock out its owner), and the
    # failures are recorded for good.
    assert attempt(client, auditor.username, PASSWORD, ip="10.9.9.9").status_code == 302
    assert AccessFailureLog.objects.filter(username=auditor.username).count() >= limit


def test_the_lock_says_the_same_for_an_account_that_does_not_exist(client):
    for n in range(settings.AXES_FAILURE_LIMIT):
        response = attempt(client, "nobody-here", f"wrong-{n}")
    assert response.status_code == 429 and 'id="locked-out"' in response.content.decode()


def test_the_lock_is_counted_in_the_database_and_ends_after_the_cool_off(client, auditor):
    """Every process reads the same rows, so a guesser gains nothing by spreading tries over workers."""
    assert settings.AXES_HANDLER == "axes.handlers.database.AxesDatabaseHandler"
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, auditor.username, f"wrong-{n}")
    row = AccessAttempt.objects.get(username=auditor.username)
    assert row.failures_since_start == settings.AXES_FAILURE_LIMIT and row.ip_address == "10.1.2.3"
    assert attempt(client, auditor.username, PASSWORD).status_code == 429
    AccessAttempt.objects.update(
        attempt_time=row.attempt_time - settings.AXES_COOLOFF_TIME - datetime.timedelta(1)
    )
    assert attempt(client, auditor.username, PASSWORD).status_code == 302


def test_a_successful_sign_in_clears_the_count(client, auditor):
    for n in range(settings.AXES_FAILURE_LIMIT - 1):
        attempt(client, auditor.username, f"wrong-{n}")
    assert attempt(client, auditor.username, PASSWORD).status_code == 302
    assert not AccessAttempt.objects.filter(username=auditor.username).exists()


@pytest.mark.parametrize(
    ("role", "sees", "unlocks"),
    [
        (Role.CITY_ADMIN, True, False),
        (Role.SECURITY_ADMIN, True, True),
        (Role.SYSTEM_ADMIN, False, False),
        (Role.AUDIT_ADMIN, False, False),
        (Role.DISTRICT_ADMIN, False, False),
        (Role.AUDITOR, False, False),
    ],
)
def test_lockouts_are_shown_to_city_and_security_administrators(client, auditor, role, sees, unlocks):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, auditor.username, f"wrong-{n}")
    binding = {"district": factories.district()} if role == Role.DISTRICT_ADMIN else {}
    viewer = factories.city_admin() if role == Role.CITY_ADMIN else factories.user(role, **binding)
    client.force_login(viewer)
    response = client.get(reverse("core:sign_in_security"))
    assert response.status_code == (200 if sees else 404)
    if sees:
        body = response.content.decode()
        assert auditor.username in body and "10.1.2.3" in body
        assert (reverse("core:account_unlock") in body) == unlocks


def test_the_security_administrator_unlocks_and_it_is_audited(client, auditor):
    for n in range(settings.AXES_FAILURE_LIMIT):
        attempt(client, auditor.username, f"wrong-{n}")
    security = factories.user(Role.SECURITY_ADMIN)
    admin_client = type(client)()
    admin_client.force_login(security)
    response = admin_client.post(
        reverse("core:account_unlock"), {"username": auditor.username, "ip_address": "10.1.2.3"}
    )
    assert response.status_code == 302
    event = AuditEvent.objects.get(object_type="core.user", object_id=auditor.pk)
    assert event.actor == security and event.changes == {"sign_in_failures": [5, 0]}
    assert "10.1.2.3" in event.note
    assert attempt(client, auditor.username, PASSWORD).status_code == 302
