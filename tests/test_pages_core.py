"""The base layout, login, home page, language switching, capped pagination and the access log."""

import datetime
import re
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from django.test import RequestFactory, override_settings
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careforce.core.models import PiiAccess, Role
from careforce.core.paging import paginate
from careforce.registry import services
from careforce.registry.models import Worker
from tests import factories
from tests.pages import assert_served_from_here

pytestmark = pytest.mark.django_db


@pytest.fixture
def district_admin(db):
    return factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"), display_name="陈主任")


def test_it_sends_anonymous_visitors_to_the_login_page(client):
    response = client.get(reverse("registry:worker_list"))
    assert response.status_code == 302
    assert response.url.startswith(reverse("core:login"))


def test_it_logs_in_and_out(client, district_admin):
    page = client.get(reverse("core:login"))
    assert page.status_code == 200 and "登录" in page.content.decode()
    response = client.post(
        reverse("core:login"), {"username": district_admin.username, "password": "pass-word-123"}
    )
    # A district administrator can write: the password is only the first step.
    assert response.status_code == 302 and response.url == reverse("core:two_factor")
    response = client.post(reverse("core:logout"))
    assert response.status_code == 302 and response.url == reverse("core:login")
    assert client.get(reverse("core:home")).status_code == 302


def test_it_says_so_when_the_password_is_wrong(client, district_admin):
    response = client.post(reverse("core:login"), {"username": district_admin.username, "password": "nope"})
    assert response.status_code == 200
    assert "用户名或密码" in response.content.decode()


def test_it_shows_role_scope_and_scoped_counts(client, city, home, district_admin):
    factories.worker(at=home, actor=city)
    factories.worker(at=factories.institution(actor=city, district_code="500105"), actor=city)
    client.force_login(district_admin)
    response = client.get(reverse("core:home"))
    body = response.content.decode()
    assert "陈主任" in body and "区县管理员 · 渝中区" in body
    assert (response.context["records_total"], response.context["institutions_total"]) == (1, 1)
    assert response.context["registry_workers"]["value"] == 1
    assert reverse("core:access_log") not in body


def test_it_sends_a_worker_to_their_own_record(client, city, home):
    worker = factories.worker(at=home, actor=city)
    account = factories.user(Role.WORKER, worker=worker)
    client.force_login(account)
    response = client.get(reverse("core:home"))
    assert response.status_code == 302
    assert response.url == reverse("registry:worker_detail", args=[worker.pk])


def test_it_switches_to_english_and_back(client, district_admin):
    client.force_login(district_admin)
    assert "工作台" in client.get(reverse("core:home")).content.decode()
    response = client.post("/i18n/setlang/", {"language": "en", "next": "/"})
    assert response.status_code == 302
    body = client.get(reverse("core:home")).content.decode()
    assert "Dashboard" in body and "District administrator" in body and 'lang="en"' in body
    client.post("/i18n/setlang/", {"language": "zh-hans", "next": "/"})
    assert "工作台" in client.get(reverse("core:home")).content.decode()


def test_it_uses_only_vendored_assets(client, district_admin):
    client.force_login(district_admin)
    body = client.get(reverse("core:home")).content.decode()
    assert "/static/vendor/bootstrap-5.3.9/bootstrap.min.css" in body
    assert "/static/vendor/htmx-2.0.11/htmx.min.js" in body
    assert_served_from_here(body)


# ---------------------------------------------------------------- capped pagination


def _request(**params):
    return RequestFactory().get("/", params)


def test_the_paginator_counts_with_a_cap_and_fetches_one_extra_row(city, home):
    for _ in range(7):
        factories.worker(at=home, actor=city)
    with CaptureQueriesContext(connection) as queries:
        page = paginate(_request(page="2"), Worker.objects.order_by("-id"), per_page=2, cap=5)
    assert len(queries) == 2
    count_sql, rows_sql = (q["sql"].upper() for q in queries.captured_queries)
    assert "COUNT" in count_sql and "LIMIT 6" in count_sql
    assert "LIMIT 3" in rows_sql and "OFFSET 2" in rows_sql
    assert page.capped and page.num_pages is None and page.has_next and len(page) == 2
    assert page.next_url == "?page=3" and page.previous_url == "?"


def test_the_paginator_stops_at_the_page_that_reaches_the_cap(city, home):
    # A deep OFFSET on a million rows is the costliest query a list can send; nobody pages that far.
    for _ in range(7):
        factories.worker(at=home, actor=city)
    last = paginate(_request(page="3"), Worker.objects.order_by("-id"), per_page=2, cap=5)
    assert last.number == 3 and not last.has_next and len(last) == 2
    assert paginate(_request(page="999"), Worker.objects.order_by("-id"), per_page=2, cap=5).number == 3


def test_the_paginator_knows_the_total_under_the_cap(city, home):
    for _ in range(3):
        factories.worker(at=home, actor=city)
    page = paginate(_request(page="99", q="x"), Worker.objects.order_by("-id"), per_page=2, cap=100)
    assert (page.total, page.num_pages, page.number, page.has_next) == (3, 2, 2, False)
    assert [link.number for link in page.links] == [1, 2]
    assert page.url(1) == "?q=x"
    assert paginate(_request(page="abc"), Worker.objects.order_by("-id"), per_page=2).number == 1


@override_settings(LIST_COUNT_CAP=3, LIST_PAGE_SIZE=2)
def test_a_list_says_more_than_the_cap(client, city, home):
    for code in ("500105", "500106", "500107", "500108"):
        factories.institution(actor=city, district_code=code)
    client.force_login(city)
    body = client.get(reverse("institutions:institution_list")).content.decode()
    assert "超过 3 条" in body
    assert "?page=2" in body


@override_settings(LIST_COUNT_CAP=10, LIST_PAGE_SIZE=2)
def test_the_worker_list_pages_without_counting_and_gives_the_total_on_its_last_page(client, city, home):
    for _ in range(5):
        factories.worker(at=home, actor=city)
    client.force_login(city)
    first = client.get(reverse("registry:worker_list")).content.decode()
    assert "?page=2" in first and "超过" not in first and "共 5 条" not in first
    last = client.get(reverse("registry:worker_list"), {"page": 3}).content.decode()
    assert "共 5 条" in last


# ---------------------------------------------------------------- access log


def test_it_records_an_unmask_and_shows_it_in_the_access_log(client, city, home):
    worker = factories.worker(at=home, actor=city, name="张三")
    client.force_login(city)
    client.post(
        reverse("registry:worker_unmask", args=[worker.pk]),
        {"field": "id_number", "reason": "核对社保缴费"},
        HTTP_HX_REQUEST="true",
    )
    assert PiiAccess.objects.count() == 1
    response = client.get(reverse("core:access_log"))
    assert response.status_code == 200
    body = response.content.decode()
    assert "核对社保缴费" in body and reverse("registry:worker_detail", args=[worker.pk]) in body
    assert "身份证号码" in body and "127.0.0.1" in body


def test_it_filters_the_access_log_by_viewer_and_date(client, city, home, district_admin):
    worker = factories.worker(at=home, actor=city)
    services.pii_reveal(actor=city, worker=worker, field="phone", reason="市级抽查")
    services.pii_reveal(actor=district_admin, worker=worker, field="phone", reason="区县回访")
    client.force_login(city)
    url = reverse("core:access_log")
    body = client.get(url, {"viewer": district_admin.pk}).content.decode()
    assert "区县回访" in body and "市级抽查" not in body
    tomorrow = (datetime.date.today() + datetime.timedelta(days=2)).isoformat()
    body = client.get(url, {"date_from": tomorrow}).content.decode()
    assert "区县回访" not in body and "市级抽查" not in body


def test_it_shows_the_access_log_to_city_administrators_only(client, city, home, district_admin):
    auditor = factories.user(Role.AUDITOR)
    for user in (district_admin, auditor, factories.user(Role.INSTITUTION_ADMIN, institution=home)):
        client.force_login(user)
        assert client.get(reverse("core:access_log")).status_code == 404
    client.force_login(city)
    assert reverse("core:access_log") in client.get(reverse("core:home")).content.decode()


def test_it_lists_the_access_log_with_a_constant_number_of_queries(
    client, city, home, django_assert_num_queries
):
    worker = factories.worker(at=home, actor=city)
    client.force_login(city)
    services.pii_reveal(actor=city, worker=worker, field="phone", reason="核对")
    url = reverse("core:access_log")
    client.get(url)
    # 5: session, user and the page's own (the permissions and the verified device are known from an earlier request: core/account_cache.py)
    with django_assert_num_queries(5):
        client.get(url)
    for _ in range(3):
        services.pii_reveal(
            actor=city, worker=factories.worker(at=home, actor=city), field="id_number", reason="核对"
        )
    with django_assert_num_queries(5):
        client.get(url)


@override_settings(DEBUG=False)
def test_it_answers_an_unknown_or_hidden_record_with_the_same_404_page(client, city, home):
    worker = factories.worker(at=home, actor=city)
    other = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500105"))
    client.force_login(other)
    hidden_url = reverse("registry:worker_detail", args=[worker.pk])
    missing_url = reverse("registry:worker_detail", args=[worker.pk + 1000])
    hidden, missing = client.get(hidden_url), client.get(missing_url)
    assert hidden.status_code == missing.status_code == 404
    assert "页面不存在" in hidden.content.decode()

    def normalised(response, url):  # CSRF tokens are masked afresh; the language form returns to the URL
        body = re.sub(r'(X-CSRFToken": "|csrfmiddlewaretoken" value=")[^"]+', "", response.content.decode())
        return body.replace(url, "URL")

    assert normalised(hidden, hidden_url) == normalised(missing, missing_url)


def test_the_chinese_catalogue_is_complete():
    po = Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.po").read_text(encoding="utf-8")
    entries = [block for block in po.split("\n\n") if "msgid" in block][1:]  # the first is the header
    assert len(entries) > 300
    for block in entries:
        assert "#, fuzzy" not in block and ", fuzzy" not in block, block
        msgstr = block[block.index("msgstr") :]
        assert re.search(r'msgstr(\[0\])? "(?!")', msgstr) or '\n"' in msgstr, f"untranslated: {block}"
    assert Path(settings.BASE_DIR, "locale", "zh_Hans", "LC_MESSAGES", "django.mo").exists()
