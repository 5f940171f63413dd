"""Two-step sign-in in a real browser: a district official enrols an authenticator (QR code and secret on the
page, the code computed from the secret as an app would), keeps the recovery codes, signs in later with one of
them; the security administrator resets the lost second factor and the official enrols again."""

import re

import pytest
from playwright.sync_api import expect

from careforce.core.models import AuditEvent, District, Role
from tests import factories
from tests.browser.conftest import login
from tests.second_factor import totp_code

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def sign_in_with_password(page, live_server, username):
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", "pass-word-123")
    page.click('form[action$="/accounts/login/"] button[type=submit]')


def test_an_official_enrols_signs_in_with_a_recovery_code_and_is_reset(page, live_server):
    yuzhong = District.objects.get(code="500103")
    official = factories.user(Role.DISTRICT_ADMIN, district=yuzhong, display_name="渝中区民政局王科长")
    security = factories.user(Role.SECURITY_ADMIN, display_name="安全管理员李工")

    # The password opens nothing yet: the page asks to set up the second step.
    sign_in_with_password(page, live_server, official.username)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/"))
    expect(page.locator("#totp-qr svg")).to_be_visible()
    secret = page.locator("#totp-secret").inner_text()
    page.goto(f"{live_server.url}/workers/")
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))

    page.goto(f"{live_server.url}/accounts/two-factor/setup/")
    page.fill("input[name=code]", "000000")
    page.click('form[action*="/accounts/two-factor/setup/"] button[type=submit]')
    expect(page.locator(".invalid-feedback")).to_contain_text("验证码不正确")
    secret = page.locator("#totp-secret").inner_text()  # the same secret until it is confirmed
    page.fill("input[name=code]", totp_code(secret))
    page.click('form[action*="/accounts/two-factor/setup/"] button[type=submit]')
    codes = page.locator("#recovery-codes li")
    expect(codes).to_have_count(10)
    recovery = codes.first.inner_text()
    page.click("#recovery-continue")
    expect(page.locator("body")).to_contain_text("渝中区民政局王科长")
    expect(page.get_by_role("link", name="两步验证")).to_be_visible()

    # Later, phone left at home: a recovery code instead.
    page.get_by_role("button", name="退出").click()
    sign_in_with_password(page, live_server, official.username)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/"))
    page.fill("input[name=code]", recovery)
    page.click('form[action*="/accounts/two-factor/"] button[type=submit]')
    expect(page.locator(".alert-warning")).to_contain_text("还剩 9 个")

    # Phone lost: the security administrator resets the second factor.
    page.context.clear_cookies()
    login(page, live_server, security.username)
    page.get_by_role("link", name="登录安全").click()
    page.fill("input[name=username]", official.username)
    page.get_by_role("button", name="重置两步验证").click()
    expect(page.locator(".alert-success")).to_contain_text(official.username)
    assert AuditEvent.objects.filter(
        object_id=official.pk, note="second factor reset", actor=security
    ).exists()

    page.context.clear_cookies()
    sign_in_with_password(page, live_server, official.username)
    expect(page).to_have_url(re.compile(r"/accounts/two-factor/setup/"))
    assert page.locator("#totp-secret").inner_text() != secret
