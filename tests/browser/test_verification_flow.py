"""Verification (核验) in the browser: an institution administrator confirms a worker's record and an
employment period on the worker's page; the page shows who confirmed it and when; a district administrator
then checks the record against the issuing authority."""

import pytest
from playwright.sync_api import expect

from careforce.core.models import Role
from careforce.registry.models import Worker
from tests import factories
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_institution_confirms_a_record_and_the_district_checks_it(page, live_server):
    city = factories.city_admin("shiju")
    home = factories.institution(actor=city, district_code="500103", name="渝中区（解放碑）颐年养老院")
    worker = factories.worker(at=home, actor=city, name="张三丰", occupation="director", team="management")
    boss = factories.user(Role.INSTITUTION_ADMIN, institution=home, display_name="颐年养老院李院长")

    login(page, live_server, boss.username)
    page.goto(f"{live_server.url}/workers/{worker.pk}/")
    expect(page.locator("body")).to_contain_text("院长（机构负责人）")
    card = page.locator("section[aria-labelledby=verification-heading]")
    expect(card).to_contain_text("本人填报")
    expect(card.locator("button[value=authority_checked]")).to_have_count(0)  # not this role's to set
    card.get_by_role("button", name="机构已确认").click()
    card = page.locator("section[aria-labelledby=verification-heading]")
    expect(card).to_contain_text("机构已确认")
    expect(card).to_contain_text("颐年养老院李院长")
    page.locator(".timeline").get_by_role("button", name="机构已确认").click()
    expect(page.locator(".timeline [data-verification=institution_confirmed]")).to_have_count(1)

    page.context.clear_cookies()
    district = factories.user(Role.DISTRICT_ADMIN, district=home.district, display_name="渝中区民政局王科长")
    login(page, live_server, district.username)
    page.goto(f"{live_server.url}/workers/{worker.pk}/")
    page.locator("section[aria-labelledby=verification-heading]").get_by_role(
        "button", name="已向发证机关核验"
    ).click()
    expect(page.locator("section[aria-labelledby=verification-heading]")).to_contain_text(
        "渝中区民政局王科长"
    )
    assert Worker.objects.get(pk=worker.pk).verification == "authority_checked"
