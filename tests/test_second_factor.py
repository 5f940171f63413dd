"""Two-step sign-in (TOTP) for every account that can write, for pages and the session API alike.

These tests sign in through the real pages (password, then the code an authenticator would show), not with
the suite's force_login shortcut.
"""

import datetime
import io
import re
import time

import pytest
from django.core.management import call_command
from django.urls import reverse
from django_otp.plugins.otp_totp.models import TOTPDevice

from careforce.core.models import ADMINISTRATOR_ROLES, AuditEvent, District, RecoveryCode, Role, User
from careforce.core.scope import needs_second_factor, scope_of
from careforce.core.tokens import token_create
from tests import factories
from tests import factories_training as ft
from tests.scope.common import training_base
from tests.second_factor import enrolled_device, force_login_unverified, fresh_code, totp_code

pytestmark = pytest.mark.django_db
PASSWORD = "pass-word-123"


@pytest.fixture
def accounts(city, home):
    yuzhong = District.objects.get(code="500103")
    worker = factories.worker(at=home, actor=city)
    return {
        Role.CITY_ADMIN: city,
        Role.DISTRICT_ADMIN: factories.user(Role.DISTRICT_ADMIN, district=yuzhong),
        Role.INSTITUTION_ADMIN: factories.user(Role.INSTITUTION_ADMIN, institution=home),
        Role.SYSTEM_ADMIN: factories.user(Role.SYSTEM_ADMIN),
        Role.SECURITY_ADMIN: factories.user(Role.SECURITY_ADMIN),
        Role.AUDIT_ADMIN: factories.user(Role.AUDIT_ADMIN),
        Role.AUDITOR: factories.user(Role.AUDITOR),
        Role.WORKER: factories.user(Role.WORKER, worker=worker),
        Role.NONE: factories.user(Role.NONE),
        Role.TRAINING_BASE: factories.user(Role.TRAINING_BASE, training_base=training_base(city, "500103")),
        Role.EVALUATION_BODY: factories.user(
            Role.EVALUATION_BODY, evaluation_body=ft.evaluation_body(actor=city)
        ),
    }


def sign_in(client, user, password=PASSWORD, next_url=""):
    data = {"username": user.username, "password": password}
    if next_url:
        data["next"] = next_url
    return client.post(reverse("core:login"), data)


def test_the_rule_is_every_role_that_can_write_and_the_administrators(accounts):
    assert set(Role.values) == set(accounts), "a new role: give it a row here"
    for role, user in accounts.items():
        expected = scope_of(user).can_write or role in ADMINISTRATOR_ROLES
        assert needs_second_factor(user) == expected, role
    needing = {role for role, user in accounts.items() if needs_second_factor(user)}
    assert needing == {
        Role.CITY_ADMIN,
        Role.DISTRICT_ADMIN,
        Role.INSTITUTION_ADMIN,
        Role.TRAINING_BASE,
        Role.EVALUATION_BODY,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    }


@pytest.mark.parametrize(
    "role",
    [
        Role.CITY_ADMIN,
        Role.DISTRICT_ADMIN,
        Role.INSTITUTION_ADMIN,
        Role.SYSTEM_ADMIN,
        Role.SECURITY_ADMIN,
        Role.AUDIT_ADMIN,
    ],
)
def test_a_password_alone_opens_no_page_and_no_api_for_a_role_that_writes(client, accounts, role):
    user = accounts[role]
    device = enrolled_device(user)
    response = sign_in(client, user, next_url="/workers/")
    assert response.status_code == 302 and response.url.startswith(reverse("core:two_factor"))

    # Pages: to the sign-in page, which passes the session on to the second step.
    response = client.get(reverse("core:home"))
    assert response.status_code == 302 and response.url.startswith(reverse("core:login"))
    assert client.get(response.url).url.startswith(reverse("core:two_factor"))
    response = client.get(client.get("/admin/").url)  # the admin's sign-in is the same page
    assert response.status_code == 302 and response.url.startswith(reverse("core:login"))
    # The session-authenticated API.
    assert client.get("/api/v1/workers").status_code == 401
    assert client.post("/api/v1/institutions", "{}", content_type="application/json").status_code == 401

    response = client.post(
        reverse("core:two_factor") + "?next=/workers/", {"code": fresh_code(device), "next": "/workers/"}
    )
    assert response.status_code == 302 and response.url == "/workers/"
    assert client.get(reverse("core:home")).status_code == 200
    assert client.get("/api/v1/workers").status_code == 200


@pytest.mark.parametrize("role", [Role.AUDITOR, Role.WORKER])
def test_read_only_roles_sign_in_with_their_password(client, accounts, role):
    response = sign_in(client, accounts[role])
    assert response.status_code == 302 and response.url == reverse("core:home")
    assert client.get("/api/v1/workers").status_code == 200


def test_a_session_that_has_not_passed_the_second_factor_is_refused(client, accounts):
    """The gate reads the session, not the way it was made: a password-only session is not enough."""
    force_login_unverified(client, accounts[Role.CITY_ADMIN])
    assert client.get(reverse("core:home")).status_code == 302
    assert client.get("/api/v1/workers").status_code == 401


def test_enrolment_shows_a_qr_code_and_the_secret_and_confirms_with_a_code(client, accounts):
    user = accounts[Role.DISTRICT_ADMIN]
    response = sign_in(client, user)
    response = client.get(
        response.url
    )  # the second step sends an account with no authenticator to set one up
    assert response.status_code == 302 and response.url.startswith(reverse("core:two_factor_setup"))
    page = client.get(response.url).content.decode()
    assert "<svg" in page
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    assert not TOTPDevice.objects.filter(user=user).exists()  # showing the page saved nothing

    wrong = client.post(reverse("core:two_factor_setup"), {"code": "000000"})
    assert "不正确" in wrong.content.decode() or "not right" in wrong.content.decode()
    assert not TOTPDevice.objects.filter(user=user).exists()

    done = client.post(reverse("core:two_factor_setup"), {"code": totp_code(secret)})
    assert done.status_code == 200
    codes = re.findall(r"<li class=\"col\">([a-z2-7-]+)</li>", done.content.decode())
    assert len(codes) == 10 and len(set(codes)) == 10
    device = TOTPDevice.objects.get(user=user)
    assert device.confirmed and totp_code(device.bin_key) == totp_code(secret)
    assert client.get(reverse("core:home")).status_code == 200
    assert AuditEvent.objects.filter(
        object_type="core.user", object_id=user.pk, note="second factor enrolled"
    )


def test_a_wrong_code_is_refused_then_tries_slow_down(client, accounts, settings):
    # The delay after n wrong codes is factor × 2^(n-1) seconds (1, 2, 4 … in production); a long factor
    # here so that a slow test machine cannot outwait it between two requests.
    settings.OTP_TOTP_THROTTLE_FACTOR = 60
    user = accounts[Role.CITY_ADMIN]
    device = enrolled_device(user)
    sign_in(client, user)
    response = client.post(reverse("core:two_factor"), {"code": "123456"})
    assert response.status_code == 200 and client.get(reverse("core:home")).status_code == 302
    # Right after a wrong code even the right one waits: guessing 10^6 codes is not on.
    response = client.post(reverse("core:two_factor"), {"code": fresh_code(device)})
    assert "请等待几秒" in response.content.decode()
    device.refresh_from_db()
    assert device.throttling_failure_count == 1
    TOTPDevice.objects.filter(pk=device.pk).update(
        throttling_failure_timestamp=device.throttling_failure_timestamp - datetime.timedelta(seconds=61)
    )
    response = client.post(reverse("core:two_factor"), {"code": fresh_code(device)})
    assert response.status_code == 302


def test_a_code_is_accepted_once(client, accounts):
    user = accounts[Role.CITY_ADMIN]
    device = enrolled_device(user)
    code = fresh_code(device)
    sign_in(client, user)
    assert client.post(reverse("core:two_factor"), {"code": code}).status_code == 302
    client.post(reverse("core:logout"))
    sign_in(client, user)
    assert client.post(reverse("core:two_factor"), {"code": code}).status_code == 200  # replay refused


def enrol(client, user) -> list[str]:
    sign_in(client, user)
    page = client.get(reverse("core:two_factor_setup")).content.decode()
    secret = re.search(r'id="totp-secret">([A-Z2-7 ]+)<', page).group(1)
    done = client.post(reverse("core:two_factor_setup"), {"code": totp_code(secret)}).content.decode()
    return re.findall(r"<li class=\"col\">([a-z2-7-]+)</li>", done)


def test_a_recovery_code_signs_in_once_and_only_its_hash_is_kept(client, accounts):
    user = accounts[Role.INSTITUTION_ADMIN]
    codes = enrol(client, user)
    stored = set(RecoveryCode.objects.filter(device__user=user).values_list("code_hash", flat=True))
    assert len(stored) == 10 and not stored & set(codes)
    assert not any(code.replace("-", "") in hashed for code in codes for hashed in stored)

    client.post(reverse("core:logout"))
    sign_in(client, user)
    # Typed loosely: upper case, spaces instead of hyphens.
    response = client.post(reverse("core:two_factor"), {"code": codes[0].upper().replace("-", " ")})
    assert response.status_code == 302 and client.get(reverse("core:home")).status_code == 200
    assert RecoveryCode.objects.filter(device__user=user).count() == 9

    client.post(reverse("core:logout"))
    sign_in(client, user)
    time.sleep(1.1)  # past any slow-down, so a refusal below is the code's and not the throttle's
    assert client.post(reverse("core:two_factor"), {"code": codes[0]}).status_code == 200
    time.sleep(1.1)
    assert client.post(reverse("core:two_factor"), {"code": codes[1]}).status_code == 302


def test_new_recovery_codes_replace_the_old_ones(client, accounts):
    user = accounts[Role.CITY_ADMIN]
    old = enrol(client, user)
    page = client.get(reverse("core:recovery_codes")).content.decode()
    assert "10" in page
    new = re.findall(
        r"<li class=\"col\">([a-z2-7-]+)</li>", client.post(reverse("core:recovery_codes")).content.decode()
    )
    assert len(new) == 10 and not set(new) & set(old)
    client.post(reverse("core:logout"))
    sign_in(client, user)
    assert client.post(reverse("core:two_factor"), {"code": old[0]}).status_code == 200
    time.sleep(1.1)
    assert client.post(reverse("core:two_factor"), {"code": new[0]}).status_code == 302


def test_the_security_administrator_resets_a_lost_second_factor(client, accounts):
    user = accounts[Role.DISTRICT_ADMIN]
    enrol(client, user)
    assert client.get(reverse("core:home")).status_code == 200
    security = accounts[Role.SECURITY_ADMIN]
    admin_client = type(client)()
    admin_client.force_login(security)
    response = admin_client.post(reverse("core:second_factor_reset"), {"username": user.username})
    assert response.status_code == 302
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert not RecoveryCode.objects.filter(device__user=user).exists()
    event = AuditEvent.objects.get(object_type="core.user", object_id=user.pk, note="second factor reset")
    assert event.actor == security
    # The open session lost its verification at once: the person sets up a new authenticator.
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    response = client.get(client.get(response.url).url)
    assert response.url.startswith(reverse("core:two_factor_setup"))


@pytest.mark.parametrize("role", [Role.CITY_ADMIN, Role.SYSTEM_ADMIN, Role.AUDIT_ADMIN, Role.AUDITOR])
def test_only_the_security_administrator_resets_or_unlocks(client, accounts, role):
    target = accounts[Role.DISTRICT_ADMIN]
    enrolled_device(target)
    client.force_login(accounts[role])
    assert client.post(reverse("core:second_factor_reset"), {"username": target.username}).status_code == 404
    assert client.post(reverse("core:account_unlock"), {"username": target.username}).status_code == 404
    assert TOTPDevice.objects.filter(user=target).exists()


def test_bearer_token_clients_are_system_clients_and_need_no_second_factor(client, accounts):
    _token, raw = token_create(user=accounts[Role.CITY_ADMIN], name="社保系统")
    response = client.get("/api/v1/workers", HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert response.status_code == 200


def test_the_admin_signs_in_through_the_same_pages(client, accounts):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302 and response.url == reverse("core:login") + "?next=%2Fadmin%2F"


def test_the_reset_command_is_audited(accounts):
    user = accounts[Role.CITY_ADMIN]
    enrolled_device(user)
    call_command("reset_second_factor", user.username, stdout=io.StringIO())
    assert not TOTPDevice.objects.filter(user=user).exists()
    assert AuditEvent.objects.filter(object_id=user.pk, note="second factor reset", actor=None).exists()
    assert User.objects.filter(pk=user.pk).exists()
