"""Issue #5's browser flow: a district official substantiates a complaint, records a penalty and lists the
worker; the worker's score drops with its explanation; an institution checking the worker's ID number is
told the worker is listed, and recording the worker's move there asks for a reason and notifies the
district. Selectors use names and ids, not wording, so the flow holds in either language."""

import re

import pytest
from playwright.sync_api import expect

from careforce.core.models import District, Role
from careforce.credit.models import CreditScore, HireOverride, Notification
from careforce.credit.services import credit_recompute_workers
from tests import factories
from tests import factories_conduct as fc
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_substantiated_complaint_leads_to_listing_a_lower_score_and_a_hire_warning(page, live_server):
    city = factories.city_admin("shiju5")
    yuzhong = District.objects.get(code="500103")
    home = factories.institution(actor=city, district_code="500103", name="渝中区颐年养老院")
    other = factories.institution(actor=city, district_code="500103", name="渝中区康宁护理院")
    worker = factories.worker(at=home, actor=city, name="王护理")
    credit_recompute_workers([worker.pk])
    before = float(CreditScore.objects.get(worker=worker).score)
    complaint = fc.complaint(actor=city, worker=worker, institution=home)
    official = factories.user(Role.DISTRICT_ADMIN, district=yuzhong, display_name="渝中区民政局李科长")
    head = factories.user(Role.INSTITUTION_ADMIN, institution=other, display_name="康宁护理院院长")

    login(page, live_server, official.username)
    page.goto(f"{live_server.url}/conduct/complaints/{complaint.pk}/")
    page.click("button[name=to][value=investigating]")
    page.fill("#transition-form textarea[name=note]", "经调查，护理员存在推搡老人行为，属实。")
    page.click("button[name=to][value=substantiated]")
    expect(page.locator("#complaint-status .badge")).to_have_class(re.compile("text-bg-danger"))

    page.click("a[href*='/conduct/penalties/new/']")
    page.select_option("select[name=kind]", "dismissal")
    page.fill("input[name=deciding_body]", "渝中区民政局")
    page.fill("input[name=legal_basis]", "《养老机构管理办法》第四十六条")
    page.click("main form button[type=submit].btn-primary")
    expect(page).to_have_url(re.compile(r"/conduct/penalties/\d+/$"))

    page.click("a[href*='/credit/dishonesty/new/']")
    page.select_option("select[name=situation]", index=1)  # elder abuse is listed first
    page.fill("input[name=deciding_body]", "重庆市民政局")
    page.click("main form button[type=submit].btn-danger")
    expect(page).to_have_url(re.compile(r"/credit/dishonesty/\d+/$"))

    page.goto(f"{live_server.url}/workers/{worker.pk}/")
    after = float(CreditScore.objects.get(worker=worker).score)
    assert after < before - 40
    expect(page.locator("#credit-score")).to_contain_text(str(after))
    expect(page.locator("#credit-factors tr[data-measure=dishonesty_listed] td").last).to_have_text("-30.0")
    expect(page.locator("#credit-factors tr[data-measure=penalty_dismissal] td").last).to_have_text("-20.0")
    expect(page.locator("#credit-factors tr[data-measure=complaints] td").last).to_have_text("-5.0")
    expect(page.locator("#dishonesty-listings")).to_be_visible()

    # The other institution checks the person's ID number before hiring: listed.
    number = worker.reveal_id_number()
    page.context.clear_cookies()
    login(page, live_server, head.username)
    page.goto(f"{live_server.url}/credit/check/")
    page.fill("input[name=id_number]", number)
    page.click("main form button[type=submit].btn-primary")
    expect(page.locator("#check-result")).to_have_class(re.compile("alert-danger"))
    expect(page.locator("body")).not_to_contain_text("王护理")

    # Recording the move to that institution warns, and goes on only with a reason.
    page.context.clear_cookies()
    login(page, live_server, official.username)
    page.goto(f"{live_server.url}/workers/{worker.pk}/transfer/")
    expect(page.locator("#credit-badge")).to_contain_text(str(after))
    page.select_option("select[name=institution]", str(other.pk))
    page.fill("input[name=post]", "护理员")
    page.fill("input[name=start_date]", "2026-01-05")
    page.click("main form button[type=submit].btn-primary")
    reason = page.locator("textarea[name=override_reason]")
    expect(reason).to_be_visible()
    expect(page.locator("main form.card")).to_contain_text("王护理")
    reason.fill("经区民政局同意，限后勤岗位并加强监督")
    page.click("main form button[type=submit].btn-primary")
    expect(page).to_have_url(re.compile(rf"/workers/{worker.pk}/$"))
    assert HireOverride.objects.get().institution == other
    assert Notification.objects.get().district == yuzhong
    page.goto(f"{live_server.url}/credit/notifications/")
    expect(page.locator("#notifications")).to_contain_text("渝中区康宁护理院")
