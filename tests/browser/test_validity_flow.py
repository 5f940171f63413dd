"""Validity in the browser: a city administrator suspends a certificate with a reason on its page; the
public verification page (no login) then says the certificate is suspended and since when; the
institution's expiring list shows a certificate about to lapse. A published ranking is left in the
database so that the test runner's reset (a flush) must lift the immutability guards and put them back."""

import datetime

import pytest
from django.utils import timezone
from playwright.sync_api import expect

from careforce.core.models import Role
from careforce.rankings import services as rankings
from careforce.registry.models import Occupation
from careforce.skills.models import CertificateValidity
from tests import factories
from tests import factories_training as ft
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

TODAY = timezone.localdate()  # the platform's day (Asia/Shanghai), not the machine's


def test_a_suspended_certificate_reads_as_suspended_to_the_public(page, live_server, browser):
    city = factories.city_admin("shiju7")
    home = factories.institution(actor=city, district_code="500103", name="渝中区长青养老院")
    worker = factories.worker(at=home, actor=city, name="陈护理")
    cert = ft.certificate(worker, actor=city)
    CertificateValidity.objects.create(occupation=Occupation.objects.get(code="care_worker"), months=36)
    soon = ft.certificate(
        factories.worker(at=home, actor=city, name="周护理"),
        actor=city,
        issued_on=TODAY - datetime.timedelta(days=365 * 3 - 20),
    )
    rankings.ranking_publish(
        actor=city,
        ranking=rankings.ranking_compute(
            actor=city, data={"period_kind": "month", "year": TODAY.year, "number": TODAY.month}
        ),
    )

    login(page, live_server, city.username)
    page.goto(f"{live_server.url}/skills/certificates/{cert.pk}/")
    expect(page.locator("#certificate-status")).to_have_attribute("data-status", "valid")
    page.fill("#suspend-form input[name=reason]", "涉嫌考核舞弊，暂停核查")
    page.click("#suspend-form button[type=submit]")
    expect(page.locator("#certificate-status")).to_have_attribute("data-status", "suspended")
    expect(page.locator("#reinstate-form")).to_be_visible()

    public = browser.new_context(locale="zh-CN").new_page()
    public.goto(f"{live_server.url}/skills/verify/?number={cert.number}&name=陈护理")
    expect(public.locator("#verify-status")).to_have_attribute("data-status", "suspended")
    expect(public.locator("#verify-status")).to_contain_text(TODAY.isoformat())
    public.context.close()

    head = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    page.context.clear_cookies()
    login(page, live_server, head.username)
    page.goto(f"{live_server.url}/skills/expiring/")
    expect(page.locator("#expiring-certificates")).to_contain_text(soon.number)
    expect(page.locator("#expiring-certificates")).not_to_contain_text(cert.number)
