"""Subsidies in the browser: the district defines a scheme, runs eligibility, approves, makes the payment
batch and downloads it for finance; a second run for another month of a one-off scheme pays nobody twice."""

import re

import pytest
from playwright.sync_api import expect

from careforce.core.models import District, Role
from careforce.incentives.models import Payment
from tests import factories
from tests import factories_training as ft
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_define_run_approve_export_and_no_double_payment(page, live_server):
    city = factories.city_admin("shiju_inc")
    home = factories.institution(actor=city, district_code="500103", name="渝中区幸福养老院")
    worker = factories.worker(actor=city, at=home, name="欧阳明月")
    ft.certificate(worker, level="junior", actor=city)
    officer = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))

    login(page, live_server, officer.username)
    page.goto(f"{live_server.url}/incentives/")
    page.click("#scheme-form >> xpath=.. >> summary")
    page.fill("#s-code", "yz-skill")
    page.fill("#s-name", "渝中区一次性技能补贴")
    page.select_option("#s-kind", "one_off_skill")
    page.fill("#s-amounts", '{"2": 500}')
    page.fill("#s-start", "2024-01-01")
    page.fill("#s-notice", "0")
    page.click("#scheme-form button")
    expect(page).to_have_url(re.compile(r"/incentives/schemes/\d+/$"))
    scheme_url = page.url

    for period, paid in (("2026-11", "1"), ("2026-12", "0")):
        page.goto(scheme_url)
        page.fill("#period", period)
        page.click("#run-form button")
        expect(page).to_have_url(re.compile(r"/incentives/runs/\d+/$"))
        expect(page.locator("#results")).to_contain_text("欧阳明月")
        page.click("form[action$='/approve/'] button")
        page.click("form[action$='/pay/'] button")
        expect(page).to_have_url(re.compile(r"/incentives/batches/\d+/$"))
        expect(page.locator("#paid-count")).to_have_text(paid)
        with page.expect_download() as download:
            page.click("#batch-xlsx")
        assert download.value.suggested_filename.endswith(".xlsx")

    assert Payment.objects.filter(worker=worker).count() == 1
