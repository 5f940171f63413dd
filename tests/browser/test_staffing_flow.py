"""The staffing page in a browser: the city opens it from the menu, sees a district without an older-population
figure as "no data", drills into a district and an institution, reads the named shortfall and the records to
fix, and raises the completeness threshold."""

import pytest
from playwright.sync_api import expect

from tests import factories
from tests.browser.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_the_city_reads_shortfalls_and_sets_the_completeness_threshold(page, live_server):
    city = factories.city_admin("shiju-staffing")
    home = factories.institution(
        actor=city, district_code="500103", name="渝中区颐年养老院", beds=120, residents_able=45
    )
    factories.worker(at=home, actor=city, name="张三丰")
    factories.worker(at=factories.institution(actor=city, district_code="500112"), actor=city, name="王五")

    login(page, live_server, city.username)
    page.get_by_role("link", name="人员配置").first.click()
    table = page.locator("#staffing-districts")
    expect(table.locator("tr", has_text="渝中区")).to_contain_text("暂无数据")
    expect(table.locator("tr", has_text="渝北区")).to_contain_text("359,381")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staffing-city.png"), full_page=True)

    table.get_by_role("link", name="渝中区").click()
    row = page.locator("#staffing-institutions tr", has_text="渝中区颐年养老院")
    expect(row).to_contain_text("缺 2 名养老护理员")
    expect(row).to_contain_text("无消防安全岗")
    row.get_by_role("link", name="渝中区颐年养老院").click()
    expect(page.locator("#staffing-verdict")).to_contain_text("缺 2 名养老护理员")
    expect(page.locator("#incomplete-records")).to_contain_text("张三丰")

    page.goto(f"{live_server.url}/staffing/")
    page.fill("input[name=completeness_threshold]", "八十")
    page.click("form[action$='/staffing/settings/'] button[type=submit]")
    expect(page.locator(".invalid-feedback")).to_contain_text("档案完整率阈值")
    page.fill("input[name=completeness_threshold]", "80")
    page.click("form[action$='/staffing/settings/'] button[type=submit]")
    expect(page.locator("body")).to_contain_text("人员配置设置已保存")
    expect(page.locator("body")).to_contain_text("阈值 80.0 %")


def test_the_projection_shows_the_gap_on_the_district_map(page, live_server):
    city = factories.city_admin("shiju-projection")
    factories.worker(
        at=factories.institution(actor=city, district_code="500112", residents_able=30), actor=city
    )
    login(page, live_server, city.username)
    page.goto(f"{live_server.url}/staffing/projection/")
    expect(page.locator("#district-map[data-ready='1']")).to_be_attached()
    expect(page.locator("#projection-table tr", has_text="渝中区")).to_contain_text("暂无数据")
    expect(page.locator("#projection-assumptions")).to_contain_text("3.40")
