"""An evaluation body records a certificate it issued, choosing the holder with the person picker (typed
pinyin, a masked list, a click): no record number anywhere."""

import pytest
from playwright.sync_api import expect

from careforce.core.models import Role
from careforce.skills.models import Certificate
from tests import factories
from tests import factories_training as ft
from tests.browser.conftest import login

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_body_picks_the_holder_by_pinyin_and_records_its_certificate(page, live_server):
    city = factories.city_admin("shiju")
    home = factories.institution(actor=city, district_code="500105", name="江北区康乐养老院")
    holder = factories.worker(at=home, actor=city, name="诸葛明月")
    factories.worker(at=home, actor=city, name="张三")
    body = ft.evaluation_body(actor=city)
    account = factories.user(Role.EVALUATION_BODY, evaluation_body=body, display_name="评价中心")

    login(page, live_server, account.username)
    page.goto(f"{live_server.url}/skills/certificates/new/")
    page.fill("input[name=number]", "CQ2025009999")
    page.locator("input[name=worker]").press_sequentially("zhuge", delay=30)
    option = page.locator(".person-picker-list [data-person-key]")
    expect(option).to_have_count(1)
    expect(option).to_contain_text("诸葛明月")
    expect(option).to_contain_text(holder.id_number_masked)
    expect(option).to_contain_text("江北区康乐养老院")
    option.click()
    expect(page.locator("input[name=worker_key]")).to_have_value(str(holder.pk))
    page.select_option("select[name=occupation]", "care_worker")
    page.select_option("select[name=level]", "junior")
    page.fill("input[name=issued_on]", "2025-05-01")
    page.locator("form button[type=submit]").last.click()
    expect(page.locator("h1")).to_contain_text("CQ2025009999")
    cert = Certificate.objects.get(number="CQ2025009999")
    assert (cert.worker_id, cert.issuer_id) == (holder.pk, body.pk)
