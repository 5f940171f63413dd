"""The time bank's browser flow: a site records and verifies a long service, the district makes the second
check, the volunteer's parent — a registered relative with an account — orders a service paid from those
hours on the phone view, the site delivers, the parent confirms. Selectors use names and ids, not wording."""

import datetime
import re
from decimal import Decimal

import pytest
from playwright.sync_api import expect

from careforce.core.models import District, Role
from careforce.timebank import selectors, services
from careforce.timebank.models import OrderStatus, Volunteer
from tests import factories
from tests import factories_timebank as ft
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_deposit_verification_and_withdrawal_by_a_relative(page, live_server):
    city = factories.city_admin("shiju_tb")
    yuzhong = District.objects.get(code="500103")
    home = factories.institution(actor=city, district_code="500103", name="渝中区互助养老站")
    ft.site(city, institution=home.pk, code="YZ-01", name="渝中区互助养老站")
    child = ft.volunteer(city, name="周小青", birth=datetime.date(1995, 4, 2))
    parent_id = factories.new_id_number(birth=datetime.date(1950, 3, 3))
    parent = ft.volunteer(city, name="周老伯", id_number=parent_id)
    parent_account = factories.user(Role.NONE, display_name="周老伯")
    Volunteer.objects.filter(pk=parent.pk).update(account=parent_account)
    services.relative_register(
        actor=city, volunteer=child, data={"name": "周老伯", "relationship": "parent", "id_number": parent_id}
    )
    id_number = services.crypto.decrypt(child.id_number_encrypted, context=b"volunteer.id_number")
    head = factories.user(Role.INSTITUTION_ADMIN, institution=home, display_name="互助站站长")
    district = factories.user(Role.DISTRICT_ADMIN, district=yuzhong, display_name="渝中区民政局")

    # The site records ten hours and verifies them: above the threshold, they wait for the district.
    login(page, live_server, head.username)
    page.goto(f"{live_server.url}/timebank/records/new/")
    page.fill("input[name=source_key]", "YZ-2026-0001")
    page.fill("input[name=volunteer_id_number]", id_number)
    page.fill("input[name=site]", "YZ-01")
    page.select_option("select[name=kind]", "care")
    page.fill("input[name=recipient]", "王奶奶")
    page.fill("input[name=served_on]", "2026-11-20")
    page.fill("input[name=hours]", "10")
    page.click("main form button[type=submit]")
    expect(page).to_have_url(re.compile(r"/timebank/records/\d+/$"))
    record_url = page.url
    assert selectors.balance(child) == 0

    page.context.clear_cookies()
    login(page, live_server, district.username)
    page.goto(record_url)
    page.click("#check")
    expect(page.locator("#check")).to_have_count(0)
    assert selectors.balance(child) == Decimal("10")

    # The parent orders two hours of meals from the child's hours on the phone view.
    page.context.clear_cookies()
    page.set_viewport_size({"width": 390, "height": 844})
    login(page, live_server, parent_account.username)
    page.goto(f"{live_server.url}/timebank/me/")
    form = page.locator("form.payer-order")
    form.locator("input[name=site]").fill("YZ-01")
    form.locator("select[name=kind]").select_option("meals")
    form.locator("input[name=hours]").fill("2")
    form.locator("button[type=submit]").click()
    expect(page).to_have_url(re.compile(r"/timebank/me/$"))
    expect(page.locator("#received li a")).to_have_count(1)
    order = child.orders.get()
    assert order.relative.as_volunteer == parent and selectors.balance(child) == Decimal("8")

    page.context.clear_cookies()
    page.set_viewport_size({"width": 1366, "height": 900})
    login(page, live_server, head.username)
    page.goto(f"{live_server.url}/timebank/orders/{order.pk}/")
    page.click("#deliver")
    expect(page.locator("#deliver")).to_have_count(0)

    page.context.clear_cookies()
    login(page, live_server, parent_account.username)
    page.goto(f"{live_server.url}/timebank/me/")
    page.locator("#received li a").first.click()
    page.click("#confirm")
    expect(page.locator("#confirm")).to_have_count(0)
    order.refresh_from_db()
    assert order.status == OrderStatus.CONFIRMED
    assert services.reconcile() == []
