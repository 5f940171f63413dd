"""Issue #4's browser flow: a district official schedules a heads' course, enrols the untrained heads in one
click, takes the day's attendance and records each head's result on the register, and the 领雁 gap closes;
then the public verifies a certificate without login."""

import datetime

import pytest
from playwright.sync_api import expect

from careforce.core.models import District, Role
from tests import factories
from tests import factories_training as ft
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_district_closes_its_heads_gap_and_the_public_verifies_a_certificate(page, live_server):
    city = factories.city_admin("shiju")
    yuzhong = District.objects.get(code="500103")
    homes = [
        factories.institution(actor=city, district_code="500103", name=f"渝中区第{n}养老院") for n in (1, 2)
    ]
    heads = [
        ft.director(home, actor=city, name=name)
        for home, name in zip(homes, ("王院长", "刘院长"), strict=True)
    ]
    carer = factories.worker(at=homes[0], actor=city, name="张三丰")
    cert = ft.certificate(carer, actor=city)
    official = factories.user(Role.DISTRICT_ADMIN, district=yuzhong, display_name="渝中区民政局李科长")
    today = datetime.date.today().isoformat()

    login(page, live_server, official.username)
    page.goto(f"{live_server.url}/training/heads/")
    district = page.locator(f"#district-{yuzhong.pk}")
    expect(district.locator(".untrained")).to_contain_text("王院长")
    expect(district.locator(".untrained")).to_contain_text("刘院长")

    page.goto(f"{live_server.url}/training/sessions/new/?kind=heads")
    page.fill("input[name=title]", "渝中区领雁计划培训班")
    page.select_option("select[name=tier]", "district")
    page.fill("input[name=hours]", "24")
    page.fill("input[name=start_date]", today)
    page.fill("input[name=end_date]", today)
    page.fill("input[name=venue]", "渝中区社会福利中心")
    page.fill("input[name=capacity]", "40")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("h1")).to_contain_text("渝中区领雁计划培训班")

    page.goto(f"{live_server.url}/training/heads/")
    page.locator(f"#district-{yuzhong.pk} form button").first.click()
    enrolments = page.locator("#enrolments")
    expect(enrolments).to_contain_text("王院长")
    expect(enrolments).to_contain_text("刘院长")

    # The register: today's attendance, then each head's own score and result.
    page.locator("#register-link").click()
    register = page.locator("#register")
    expect(register).to_contain_text("王院长")
    expect(register).to_contain_text(heads[0].id_number_masked)
    for head in heads:
        page.check(f"#register input[name=present][value='{head.pk}']")
    page.locator("button[form=attendance-form]").click()
    expect(page.locator("#register-days .active")).to_contain_text("2/2")
    for head, score in zip(heads, ("92", "85"), strict=True):
        page.fill(f"#register input[name=score-{head.pk}]", score)
        page.select_option(f"#register select[name=passed-{head.pk}]", "true")
        expect(page.locator(f"#register input[name=result][value='{head.pk}']")).to_be_checked()
    expect(page.locator("input[name=completed_on]")).to_have_attribute("form", "results-form")
    page.fill("input[name=completed_on]", today)
    page.locator("button[form=results-form]").click()
    expect(register).not_to_contain_text("已报名")
    expect(page.locator(f"#register input[name=score-{heads[1].pk}]")).to_have_value("85.0")

    page.goto(f"{live_server.url}/training/heads/")
    district = page.locator(f"#district-{yuzhong.pk}")
    expect(district).not_to_contain_text("王院长")
    expect(district.locator(".untrained")).to_have_count(0)

    page.context.clear_cookies()
    page.goto(f"{live_server.url}/skills/verify/")
    page.fill("input[name=number]", cert.number)
    page.fill("input[name=name]", "张三丰")
    page.locator("#verify-form button[type=submit]").click()
    result = page.locator("#verify-result")
    expect(result).to_contain_text("张*丰")
    expect(result).to_contain_text("初级工")
    expect(result).not_to_contain_text("张三丰")
    expect(result).not_to_contain_text(carer.id_number_masked)
