"""Issue #2's browser flow: a district administrator finds a worker by pinyin initials, sees the masked ID,
unmasks it with a reason, and the city's access log shows that view."""

import re

import pytest
from playwright.sync_api import expect

from careforce.core.models import District, PiiAccess, Role
from tests import factories
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_district_official_unmasks_an_id_and_the_access_log_shows_it(page, live_server):
    city = factories.city_admin("shiju")
    yuzhong = District.objects.get(code="500103")
    home = factories.institution(actor=city, district_code="500103", name="渝中区颐年养老院")
    elsewhere = factories.institution(actor=city, district_code="500105", name="江北区康乐养老院")
    target = factories.worker(at=home, actor=city, name="张三丰")
    factories.worker(at=home, actor=city, name="李四")
    factories.worker(at=elsewhere, actor=city, name="张素芬")  # matches "zs" but lies outside 渝中区
    number = target.reveal_id_number()
    official = factories.user(Role.DISTRICT_ADMIN, district=yuzhong, display_name="渝中区民政局王科长")

    login(page, live_server, official.username)
    expect(page.locator("body")).to_contain_text("渝中区")
    page.goto(f"{live_server.url}/workers/")
    page.fill("input[name=q]", "zs")
    page.get_by_role("button", name="搜索").click()
    results = page.locator("#results")
    expect(results).to_contain_text("张三丰")
    expect(results).not_to_contain_text("张素芬")
    expect(results).not_to_contain_text("李四")

    results.get_by_role("link", name="张三丰").click()
    expect(page.locator("h1")).to_contain_text("张三丰")
    masked = number[:6] + "************"
    id_cell = page.locator("#pii-id_number")
    expect(id_cell).to_contain_text(masked)
    expect(page.locator("body")).not_to_contain_text(number)

    id_cell.get_by_role("link", name=re.compile("显示")).click()
    id_cell = page.locator("#pii-id_number")
    id_cell.locator("input[name=reason]").fill("核对社保缴费信息")
    id_cell.get_by_role("button").click()
    expect(page.locator("#pii-id_number")).to_contain_text(number)
    assert PiiAccess.objects.filter(actor=official, worker=target, reason="核对社保缴费信息").count() == 1

    page.context.clear_cookies()
    login(page, live_server, "shiju")
    page.goto(f"{live_server.url}/access-log/")
    log = page.locator("#results")
    expect(log).to_contain_text("张三丰")
    expect(log).to_contain_text("核对社保缴费信息")
    expect(log).to_contain_text("渝中区民政局王科长")
