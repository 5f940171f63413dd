"""Issue #3's browser flow: a district official uploads a roster with a mistyped ID number, downloads the
error report (ID numbers masked, as on the pages), corrects the row it marks in their own file, uploads
the corrected file, and saves it."""

import openpyxl
import pytest
from playwright.sync_api import expect

from careforce.core.models import District, Role
from careforce.registry.models import Worker
from tests import factories
from tests.browser.conftest import login
from tests.factories_imports import FIXTURES, fixture_institutions
from tests.fixtures.make_fixtures import person

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_official_fixes_an_error_from_the_report_and_saves_the_roster(page, live_server, tmp_path):
    city = factories.city_admin("shiju")
    fixture_institutions(city)
    official = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))

    login(page, live_server, official.username)
    page.goto(f"{live_server.url}/imports/")
    page.set_input_files("input[name=file]", str(FIXTURES / "with_error.csv"))
    page.locator("#upload-form button[type=submit]").click()
    counts = page.locator("#job-counts")
    expect(counts).to_contain_text("1")
    rows = page.locator("#job-rows")
    expect(rows).to_contain_text("卫二")
    expect(rows).to_contain_text("身份证号码")
    expect(page.locator("#commit-button")).to_have_count(0)

    with page.expect_download() as download_info:
        page.locator("#report-link").click()
    report = tmp_path / "report.xlsx"
    download_info.value.save_as(report)

    book = openpyxl.load_workbook(report)
    sheet = book.active
    headers = [cell.value for cell in sheet[1]]
    assert headers[-1] == "错误说明"
    marked = [row for row in sheet.iter_rows(min_row=2) if row[-1].value]
    assert [row[0].value for row in marked] == ["卫二"]
    id_column = headers.index("身份证号码")
    typed = [
        line.split(",")[id_column]
        for line in (FIXTURES / "with_error.csv").read_text("utf-8-sig").splitlines()[1:]
    ]
    shown = [row[id_column].value for row in sheet.iter_rows(min_row=2)]
    assert all(number not in shown for number in typed) and all("*" in value for value in shown)

    # The official corrects the marked row in their own file (the report shows no full number).
    lines = (FIXTURES / "with_error.csv").read_text("utf-8-sig").splitlines()
    cells = lines[2].split(",")
    cells[id_column] = person(41)  # the number as it should have been
    lines[2] = ",".join(cells)
    fixed = tmp_path / "fixed.csv"
    fixed.write_text("\n".join(lines) + "\n", encoding="utf-8")

    page.goto(f"{live_server.url}/imports/")
    page.set_input_files("input[name=file]", str(fixed))
    page.locator("#upload-form button[type=submit]").click()
    expect(page.locator("#commit-button")).to_be_visible()
    page.locator("#commit-button").click()
    expect(page.locator("#job-saved")).to_be_visible()
    assert set(Worker.objects.values_list("name", flat=True)) == {"卫一", "卫二"}
    page.reload()  # the result survives a reload: it is on the job, not in the page
    expect(page.locator("#job-saved")).to_be_visible()
