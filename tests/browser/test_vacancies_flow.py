"""The vacancies' browser flow: an institution publishes a vacancy, the district registers a job seeker
from a key group with consent, the vacancy's page shows the match, the institution hires, and the worker
is in the registry with the key group as source channel while the vacancy's filled count rises."""

import re

import pytest
from playwright.sync_api import expect

from careforce.core import crypto
from careforce.core.models import District, Role
from careforce.registry.models import Worker
from careforce.vacancies.models import Vacancy
from tests import factories
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_publish_register_match_and_hire(page, live_server):
    city = factories.city_admin("shiju_vac")
    home = factories.institution(actor=city, district_code="500103", name="渝中区康乐养老院")
    head = factories.user(Role.INSTITUTION_ADMIN, institution=home, display_name="康乐院长")
    district = factories.user(
        Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"), display_name="渝中区民政局"
    )
    id_number = factories.new_id_number()

    login(page, live_server, head.username)
    page.goto(f"{live_server.url}/vacancies/new/")
    page.select_option("select[name=kind]", "trainee")
    page.fill("input[name=post]", "护理员")
    page.fill("input[name=number]", "2")
    page.fill("input[name=pay_min]", "3000")
    page.fill("input[name=pay_max]", "4500")
    page.fill("input[name=closing_date]", "2030-06-30")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/vacancies/\d+/$"))
    vacancy_url = page.url
    expect(page.locator("#filled")).to_have_text("0 / 2")

    page.context.clear_cookies()
    login(page, live_server, district.username)
    page.goto(f"{live_server.url}/vacancies/seekers/new/")
    expect(page.locator("#consent-text")).to_contain_text("v1")
    page.fill("input[name=name]", "何小梅")
    page.fill("input[name=id_number]", id_number)
    page.select_option("select[name=source_channel]", "lifted_from_poverty")
    page.select_option("select[name=education]", "senior_high")
    page.select_option("select[name=hukou_type]", "rural")
    page.fill("input[name=wanted_post]", "养老护理员")
    page.check("input[name=consent]")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/vacancies/seekers/\d+/$"))
    expect(page.locator("#seeker-matches li a")).to_have_count(1)

    page.context.clear_cookies()
    login(page, live_server, head.username)
    page.goto(vacancy_url)
    row = page.locator("#matches tbody tr", has_text="何小梅")
    row.locator("button[type=submit]").click()
    expect(page.locator("#filled")).to_have_text("1 / 2")
    expect(page.locator("#hires li")).to_have_count(1)

    worker = Worker.objects.get(id_number_hash=crypto.blind_index(id_number, purpose="id_number"))
    assert worker.source_channel == "lifted_from_poverty" and worker.institution == home
    assert Vacancy.objects.get().filled == 1
    page.goto(f"{live_server.url}/workers/{worker.pk}/")
    expect(page.locator("main")).to_contain_text("何小梅")
