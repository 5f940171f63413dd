"""Browser flow of a full-number lookup: an auditor finds a person by ID number, the next lookup beyond the
account's limit shows the message in the results, and the city administrator sees the lookup under "who has
looked at this person"."""

import pytest
from playwright.sync_api import expect

from careforce.core.models import Role
from tests import factories
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_an_auditor_looks_up_a_number_until_the_limit_and_the_city_sees_who_looked(
    page, live_server, settings
):
    settings.LOOKUP_RATE = "1/h"
    city = factories.city_admin("shiju2")
    home = factories.institution(actor=city, district_code="500103", name="渝中区颐年养老院")
    target = factories.worker(at=home, actor=city, name="张三丰")
    number = target.reveal_id_number()
    auditor = factories.user(Role.AUDITOR, display_name="市督导员刘老师")

    login(page, live_server, auditor.username)
    page.goto(f"{live_server.url}/workers/")
    page.fill("input[name=q]", number)
    page.get_by_role("button", name="搜索").click()
    results = page.locator("#results")
    expect(results).to_contain_text("张三丰")
    expect(results).to_contain_text(number[:6] + "************")

    page.fill("input[name=q]", number[:-1] + ("0" if number[-1] != "0" else "1"))
    page.get_by_role("button", name="搜索").click()
    expect(page.locator("#lookup-refused")).to_contain_text("查询的次数过多")
    expect(page.locator("#results")).not_to_contain_text("张三丰")

    page.context.clear_cookies()
    login(page, live_server, "shiju2")
    page.goto(f"{live_server.url}/workers/{target.pk}/")
    readers = page.locator("#readers")
    expect(readers).to_contain_text("市督导员刘老师")
    expect(readers).to_contain_text("按完整身份证号查询")
