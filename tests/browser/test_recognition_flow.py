"""Recognition in a real browser: a district official creates a skill competition, enters two workers, draws
the judges (the colleague of an entrant in the pool is never drawn), enters the scores and publishes the ranks;
the winner's record shows the prize. Selectors use names and ids, not wording."""

import re

import pytest
from playwright.sync_api import expect

from careforce.core.models import District, Role
from careforce.pools import services as pools
from tests import factories
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_competition_from_creation_to_the_winners_record(page, live_server):
    city = factories.city_admin("shiju_rec")
    yuzhong = District.objects.get(code="500103")
    first_home = factories.institution(actor=city, district_code="500103", name="渝中区康乐养老院")
    second_home = factories.institution(actor=city, district_code="500103", name="渝中区福寿护理院")
    winner = factories.worker(at=first_home, actor=city, name="孙冠军")
    runner = factories.worker(at=second_home, actor=city, name="杨亚军")
    colleague = factories.worker(at=first_home, actor=city, name="何同事")
    pools.member_join(
        actor=city, data={"pool": "competition_judge", "worker": colleague.pk, "qualifications": "裁判员"}
    )
    for name in ("外聘裁判甲", "外聘裁判乙", "外聘裁判丙"):
        pools.member_join(
            actor=city,
            data={
                "pool": "competition_judge",
                "name": name,
                "district": "500103",
                "qualifications": "裁判员",
            },
        )
    official = factories.user(Role.DISTRICT_ADMIN, district=yuzhong, display_name="渝中区民政局")

    login(page, live_server, official.username)
    page.goto(f"{live_server.url}/recognition/competitions/new/")
    page.fill("input[name=title]", "渝中区养老护理技能比武")
    page.select_option("select[name=level]", "district")
    page.fill("input[name=held_on]", "2026-05-20")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/recognition/competitions/\d+/$"))
    detail = page.url

    for worker in (winner, runner):
        # The person picker: the name typed, the person chosen from the masked list (no record number).
        page.locator("#enter-form input[name=worker]").press_sequentially(worker.name, delay=30)
        page.locator("#enter-form .person-picker-list [data-person-key]").first.click()
        expect(page.locator("#enter-form input[name=worker_key]")).to_have_value(str(worker.pk))
        page.click("#enter-form button[type=submit]")
        expect(page.locator("#entrants")).to_contain_text(worker.name)

    page.fill("#draw-form input[name=count]", "3")
    page.click("#draw-form button[type=submit]")
    judges = page.locator("#judges")
    for name in ("外聘裁判甲", "外聘裁判乙", "外聘裁判丙"):
        expect(judges).to_contain_text(name)
    expect(judges).not_to_contain_text("何同事")

    page.get_by_label(re.compile(f"{winner.name}$")).fill("96.5")
    page.get_by_label(re.compile(f"{runner.name}$")).fill("90")
    page.click("#scores-form button[type=submit]")
    page.click("#publish-form button[type=submit]")
    expect(page).to_have_url(detail)
    rows = page.locator("#entrants tbody tr")
    expect(rows.first).to_contain_text(winner.name)
    expect(rows.first).to_contain_text("一等奖")

    page.goto(f"{live_server.url}/workers/{winner.pk}/")
    expect(page.locator("#worker-recognition")).to_contain_text("渝中区养老护理技能比武")
    expect(page.locator("#worker-recognition")).to_contain_text("一等奖")
