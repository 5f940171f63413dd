"""The home page's panels (core.extensions.register_home_section): unread notifications with mark-as-read
(credit) and overdue complaints (conduct), each scoped to the acting user."""

import datetime

import pytest
from django.urls import reverse

from careforce.core.models import District, Role
from careforce.credit.models import Notification
from careforce.registry import services as registry
from tests import factories
from tests import factories_conduct as fc

pytestmark = pytest.mark.django_db

HOME = reverse("core:home")


def _district(code: str) -> District:
    return District.objects.get(code=code)


def _hire_listed(city, home, name: str) -> Notification:
    """An institution of `home`'s district employs a listed worker, with a reason: its district is told."""
    worker = factories.worker(at=home, actor=city, name=name)
    fc.listing(actor=city, worker=worker)
    registry.employment_start(
        actor=city,
        worker=worker,
        data={
            "institution": home.pk,
            "post": "兼职",
            "start_date": datetime.date.today(),
            "is_part_time": True,
            "override_reason": "已核实，仅从事后勤",
        },
    )
    return Notification.objects.get(worker=worker)


@pytest.fixture
def notes(city, home):
    jiangbei_home = factories.institution(actor=city, district_code="500105", name="江北区康乐养老院")
    return _hire_listed(city, home, "张三丰"), _hire_listed(city, jiangbei_home, "李四海")


def test_a_district_sees_its_own_unread_notifications_on_the_home_page(client, notes):
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=_district("500103")))
    response = client.get(HOME)
    body = response.content.decode()
    assert 'id="section-notifications"' in body and 'id="home-notifications"' in body
    assert "张三丰" in body and "李四海" not in body
    assert response.context["sections"][0][1]["total"] == 1


def test_the_city_sees_every_district_s_and_institutions_see_none(client, city, home, notes):
    client.force_login(city)
    body = client.get(HOME).content.decode()
    assert "张三丰" in body and "李四海" in body
    client.force_login(factories.user(Role.INSTITUTION_ADMIN, institution=home))
    body = client.get(HOME).content.decode()
    assert 'id="section-notifications"' not in body and "张三丰" not in body


def test_marking_read_from_the_home_page_returns_there_and_hides_the_notification(client, notes):
    mine, theirs = notes
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=_district("500103")))
    # Another district's notification cannot be marked from here (the id is simply not in scope).
    response = client.post(reverse("credit:notifications_read"), {"id": [mine.pk, theirs.pk], "next": HOME})
    assert response.status_code == 302 and response.url == HOME
    mine.refresh_from_db()
    theirs.refresh_from_db()
    assert mine.read_at is not None and theirs.read_at is None
    response = client.get(HOME)
    body = response.content.decode()
    assert 'id="section-notifications"' not in body and "张三丰" not in body
    assert len(list(response.context["messages"])) == 1  # "1 notification marked as read."


def test_the_return_address_must_be_on_this_site(client, notes):
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=_district("500103")))
    response = client.post(
        reverse("credit:notifications_read"), {"id": [notes[0].pk], "next": "https://evil.example/"}
    )
    assert response.url == reverse("credit:notifications")


def test_a_read_only_auditor_sees_them_but_cannot_mark_them(client, notes):
    client.force_login(factories.user(Role.AUDITOR, district=_district("500103")))
    body = client.get(HOME).content.decode()
    assert "张三丰" in body and reverse("credit:notifications_read") not in body
    response = client.post(reverse("credit:notifications_read"), {"id": [notes[0].pk], "next": HOME})
    assert response.status_code == 404
    notes[0].refresh_from_db()
    assert notes[0].read_at is None


def test_overdue_complaints_show_in_scope_only(client, city, home):
    long_ago = datetime.date.today() - datetime.timedelta(days=90)
    worker = factories.worker(at=home, actor=city, name="王小红")
    overdue = fc.complaint(actor=city, worker=worker, received_on=long_ago)
    fc.complaint(actor=city, worker=worker)  # received today: not overdue
    jiangbei = factories.institution(actor=city, district_code="500105")
    elsewhere = fc.complaint(actor=city, institution=jiangbei, received_on=long_ago)
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=_district("500103")))
    response = client.get(HOME)
    body = response.content.decode()
    assert 'id="section-overdue_complaints"' in body
    assert reverse("conduct:complaint_detail", args=[overdue.pk]) in body
    assert reverse("conduct:complaint_detail", args=[elsewhere.pk]) not in body
    panel = dict((s.key, ctx) for s, ctx in response.context["sections"])["overdue_complaints"]
    assert panel["total"] == 1
    client.force_login(city)
    panel = dict((s.key, ctx) for s, ctx in client.get(HOME).context["sections"])["overdue_complaints"]
    assert panel["total"] == 2
    # Nothing overdue in 北碚: no panel at all.
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=_district("500109")))
    assert 'id="section-overdue_complaints"' not in client.get(HOME).content.decode()


def test_the_home_page_query_count_does_not_grow_with_the_notifications(
    client, city, home, django_assert_max_num_queries
):
    for i in range(7):
        _hire_listed(city, home, f"员工{i}")
    client.force_login(city)
    client.get(HOME)  # the dashboard's district blocks are read once per process, then kept
    with django_assert_max_num_queries(30):
        response = client.get(HOME)
    panel = dict((s.key, ctx) for s, ctx in response.context["sections"])["notifications"]
    assert panel["total"] == 7 and len(panel["notifications"]) == 5 and panel["more"]


# ---------------------------------------------------------------- the work queue


def _queue(client) -> dict[str, tuple[int, str]]:
    return {row["key"]: (row["count"], row["url"]) for row in client.get(HOME).context["queue"]}


def test_the_queue_counts_a_checked_import_and_links_to_the_imports_waiting(client, city):
    from tests import factories_imports as fi

    fi.fixture_institutions(city)
    job = fi.upload(city, "roster_gbk.csv")
    assert job.status == "validated"
    client.force_login(city)
    count, url = _queue(client)["imports_waiting"]
    assert count == 1 and url.endswith("?status=validated")
    page = client.get(url).content.decode()
    assert "roster_gbk.csv" in page and "待保存的导入" in page
    fi.commit(city, job)
    assert _queue(client)["imports_waiting"][0] == 0
    assert "roster_gbk.csv" not in client.get(url).content.decode()


def test_the_queue_counts_heads_untrained_by_the_one_rule(client, city, home):
    from tests import factories_training as ft

    other = factories.institution(actor=city, district_code="500103", name="渝中区康宁养老院")
    head = ft.director(home, actor=city)
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=_district("500103")))
    count, url = _queue(client)["heads_untrained"]
    assert count == 2  # a head not trained, and an institution with no head recorded
    ft.completion(head, session=ft.heads_session("500103", actor=city), actor=city)
    count, url = _queue(client)["heads_untrained"]
    assert count == 1
    page = client.get(url).content.decode()
    assert other.name in page and home.name not in page


def test_the_queue_links_unread_notifications_and_the_targets_page(client, city, home, notes):
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=_district("500103")))
    queue = _queue(client)
    count, url = queue["unread_notifications"]
    assert count == 1 and "张三丰" in client.get(url).content.decode()
    _count, url = queue["targets_short"]
    assert url == reverse("indicators:district", args=[_district("500103").pk])
    assert "certificates_expiring" not in queue  # certificates carry no validity yet: the hook shows nothing
