"""Issue #6's browser flow: the city opens the dashboard, colours the map by another indicator, drills into
a district and downloads its scorecard. A screenshot of the map is kept in test-artifacts/."""

import io
import re

import openpyxl
import pytest
from playwright.sync_api import expect

from careforce.indicators import engine
from tests import factories
from tests.browser.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_city_switches_indicator_drills_down_and_downloads_a_scorecard(page, live_server):
    engine.reset()
    city = factories.city_admin("shiju-dashboard")
    home = factories.institution(actor=city, district_code="500103", name="渝中区颐年养老院", beds=120)
    other = factories.institution(actor=city, district_code="500105", name="江北区康乐养老院")
    factories.worker(at=home, actor=city, name="张三丰")
    factories.worker(at=home, actor=city, name="李四", team="professional", occupation="social_worker")
    factories.worker(at=other, actor=city, name="王五")

    login(page, live_server, city.username)
    page.goto(f"{live_server.url}/indicators/")
    expect(page.locator("#indicator-cards")).to_be_visible()
    expect(page.locator("#district-map[data-ready='1']")).to_be_attached()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "dashboard-city-map.png"), full_page=True)

    page.select_option("#indicator-select", "social_workers_per_100_beds")
    expect(page).to_have_url(re.compile("indicator=social_workers_per_100_beds"))
    ranking = page.locator("#ranking-table")
    first_row = ranking.locator("tbody tr").first
    expect(first_row).to_contain_text("渝中区")  # the only district with a social worker ranks first
    expect(page.locator("#district-map[data-ready='1']")).to_be_attached()
    page.screenshot(path=str(ARTIFACTS / "dashboard-social-workers-map.png"), full_page=True)

    ranking.get_by_role("link", name="渝中区").click()
    expect(page.locator("h1")).to_contain_text("渝中区")
    expect(page.locator("#institutions-table")).to_contain_text("渝中区颐年养老院")
    expect(page.locator("#institutions-table")).not_to_contain_text("江北区康乐养老院")

    page.locator("#scorecard-link").click()
    expect(page.locator("h1")).to_contain_text("渝中区")
    with page.expect_download() as info:
        page.locator("#scorecard-xlsx").click()
    download = info.value
    path = ARTIFACTS / "scorecard-500103.xlsx"
    download.save_as(str(path))
    book = openpyxl.load_workbook(io.BytesIO(path.read_bytes()))
    assert "渝中区" in book.sheetnames[0]
    page.screenshot(path=str(ARTIFACTS / "dashboard-scorecard.png"), full_page=True)
