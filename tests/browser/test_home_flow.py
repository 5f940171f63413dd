"""Each role's home page (工作台) is a work queue: the items of its scope show with their counts, and each
link leads to the list filtered to exactly those records."""

import datetime
import re

import pytest
from playwright.sync_api import expect

from careforce.core.models import District, Role
from careforce.registry import services as registry
from tests import factories
from tests import factories_conduct as fc
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


@pytest.fixture
def world():
    city = factories.city_admin("shiju-home")
    yuzhong = District.objects.get(code="500103")
    home = factories.institution(actor=city, district_code="500103", name="渝中区颐年养老院")
    elsewhere = factories.institution(actor=city, district_code="500105", name="江北区康乐养老院")
    worker = factories.worker(at=home, actor=city, name="张三丰")
    long_ago = datetime.date.today() - datetime.timedelta(days=90)
    overdue = fc.complaint(actor=city, worker=worker, received_on=long_ago)
    fc.complaint(actor=city, worker=worker)  # received today: not overdue
    fc.complaint(actor=city, institution=elsewhere, received_on=long_ago)  # overdue, another district
    listed = factories.worker(at=home, actor=city, name="李四海")
    fc.listing(actor=city, worker=listed)
    registry.employment_start(
        actor=city,
        worker=listed,
        data={
            "institution": home.pk,
            "post": "兼职",
            "start_date": datetime.date.today(),
            "is_part_time": True,
            "override_reason": "已核实，仅从事后勤",
        },
    )
    accounts = {
        "city": city,
        "district": factories.user(Role.DISTRICT_ADMIN, district=yuzhong),
        "institution": factories.user(Role.INSTITUTION_ADMIN, institution=home),
        "auditor": factories.user(Role.AUDITOR),
        "worker": factories.user(Role.WORKER, worker=worker),
    }
    return {"accounts": accounts, "overdue": overdue, "home": home, "elsewhere": elsewhere}


def _count(page, key: str) -> str:
    return page.locator(f"#queue-{key} [data-count]").get_attribute("data-count")


def _follow(page, live_server, key: str) -> None:
    page.locator(f"#queue-{key} a").click()
    page.wait_for_load_state("networkidle")


def test_the_city_follows_each_queue_item_to_its_filtered_list(page, live_server, world):
    login(page, live_server, world["accounts"]["city"].username)
    page.goto(f"{live_server.url}/")
    queue = page.locator("#work-queue")
    expect(queue).to_be_visible()
    assert _count(page, "overdue_complaints") == "2"
    assert _count(page, "unread_notifications") == "1"
    assert _count(page, "imports_waiting") == "0"
    assert int(_count(page, "heads_untrained")) == 2  # neither institution has recorded its head
    expect(page.locator("#queue-targets_short")).to_be_visible()
    expect(page.locator("#stat-workers")).to_have_text("2")

    _follow(page, live_server, "overdue_complaints")
    expect(page).to_have_url(re.compile(r"/conduct/\?overdue=on"))
    expect(page.locator("main")).to_contain_text(f"#{world['overdue'].pk}")
    page.go_back()
    _follow(page, live_server, "heads_untrained")
    expect(page).to_have_url(re.compile(r"head=untrained"))
    expect(page.locator("main")).to_contain_text("渝中区颐年养老院")
    expect(page.locator("main")).to_contain_text("江北区康乐养老院")
    page.go_back()
    _follow(page, live_server, "unread_notifications")
    expect(page.locator("#unread-only")).to_be_visible()
    expect(page.locator("#notifications")).to_contain_text("李四海")
    page.go_back()
    _follow(page, live_server, "imports_waiting")
    expect(page).to_have_url(re.compile(r"/imports/\?status=validated"))
    expect(page.locator("#jobs-heading")).to_contain_text("待保存")


def test_a_district_sees_its_own_queue_and_lands_on_its_dashboard(page, live_server, world):
    login(page, live_server, world["accounts"]["district"].username)
    page.goto(f"{live_server.url}/")
    assert _count(page, "overdue_complaints") == "1"  # the other district's is not counted
    assert _count(page, "heads_untrained") == "1"
    _follow(page, live_server, "overdue_complaints")
    expect(page.locator("main")).to_contain_text(f"#{world['overdue'].pk}")
    page.go_back()
    _follow(page, live_server, "targets_short")
    expect(page.locator("h1")).to_contain_text("渝中区")
    expect(page.locator("#city-view-link")).to_be_visible()
    # The menu's dashboard entry has its own name and lands on the district's view too.
    page.locator("#sidebar").get_by_role("link", name="数据看板").click()
    expect(page.locator("h1")).to_contain_text("渝中区")


def test_an_institution_and_an_auditor_see_theirs_and_a_worker_their_own_record(page, live_server, world):
    login(page, live_server, world["accounts"]["institution"].username)
    page.goto(f"{live_server.url}/")
    assert _count(page, "overdue_complaints") == "1"
    assert _count(page, "heads_untrained") == "1"
    assert _count(page, "imports_waiting") == "0"
    expect(page.locator("#queue-unread_notifications")).to_have_count(0)
    expect(page.locator("#queue-targets_short")).to_have_count(0)
    _follow(page, live_server, "heads_untrained")
    expect(page.locator("main")).to_contain_text("渝中区颐年养老院")
    expect(page.locator("main")).not_to_contain_text("江北区康乐养老院")
    page.context.clear_cookies()

    login(page, live_server, world["accounts"]["auditor"].username)
    page.goto(f"{live_server.url}/")
    assert _count(page, "overdue_complaints") == "2"
    expect(page.locator("#queue-imports_waiting")).to_have_count(0)  # read-only: imports are not theirs
    _follow(page, live_server, "overdue_complaints")
    expect(page.locator("main")).to_contain_text(f"#{world['overdue'].pk}")
    page.context.clear_cookies()

    login(page, live_server, world["accounts"]["worker"].username)
    page.goto(f"{live_server.url}/")
    expect(page).to_have_url(re.compile(r"/workers/\d+/"))
    expect(page.locator("#work-queue")).to_have_count(0)
