"""The older-population sheet in a browser: the city uploads figures with ability levels, reads the row it got
wrong under its column, uploads the corrected file, saves it, and finds the levels on the staffing pages —
a level it did not know shown as no data, never zero."""

import openpyxl
import pytest
from playwright.sync_api import expect

from careforce.indicators.models import OlderPopulation
from tests import factories
from tests.browser.conftest import ARTIFACTS, login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

HEADER = [
    "区县",
    "年份",
    "口径",
    "60岁及以上",
    "65岁及以上",
    "来源",
    "能力完好",
    "轻度失能",
    "中度失能",
    "重度失能",
    "完全失能",
]


def _file(path, district):
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(HEADER)
    sheet.append(
        [district, 2023, "户籍", 180000, 140000, "区统计年鉴", "１５００００", 20000, "暂无数据", None, None]
    )
    book.save(path)
    return str(path)


def test_the_city_imports_the_older_population_by_ability_level(page, live_server, tmp_path):
    city = factories.city_admin("shiju-population")
    login(page, live_server, city.username)
    page.goto(f"{live_server.url}/staffing/")
    with page.expect_download() as download_info:
        page.locator("#staffing-sheets a[href$='/templates/older_population/']").click()
    template = tmp_path / "template.xlsx"
    download_info.value.save_as(template)
    assert [c.value for c in openpyxl.load_workbook(template).worksheets[0][1]][:6] == HEADER[:6]

    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=sheet]", "older_population")
    page.set_input_files("input[name=file]", _file(tmp_path / "wrong.xlsx", "渝中"))
    page.locator("#upload-form button[type=submit]").click()
    rows = page.locator("#job-rows")
    expect(rows).to_contain_text("区县")
    expect(rows).to_contain_text("渝中")
    expect(page.locator("#commit-button")).to_have_count(0)
    assert not OlderPopulation.objects.filter(district__code="500103").exists()

    page.goto(f"{live_server.url}/imports/")
    page.select_option("select[name=sheet]", "older_population")
    page.set_input_files("input[name=file]", _file(tmp_path / "fixed.xlsx", "渝中区"))
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("#commit-button")).to_be_visible()
    page.locator("#commit-button").click()
    expect(page.locator("#job-saved")).to_be_visible()

    page.goto(f"{live_server.url}/staffing/population/")
    row = page.locator("#population-levels tr", has_text="渝中区")
    expect(row).to_contain_text("150,000")
    expect(row).to_contain_text("暂无数据")
    row.get_by_role("link", name="渝中区").click()
    expect(page.locator("#population-levels")).to_contain_text("20,000")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "staffing-population-levels.png"), full_page=True)
