"""The worker list page at a million rows: no COUNT per request (a probe row says whether a next page
exists), the filter forms' option lists remembered per version and fresh after any change."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test import RequestFactory
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from careforce.core.models import Role
from careforce.core.paging import paginate
from careforce.institutions.models import Institution
from careforce.registry.models import Occupation, Worker
from tests import factories

pytestmark = pytest.mark.django_db


def _request(**params):
    return RequestFactory().get("/", params)


def test_it_pages_without_counting(city, home):
    for _ in range(5):
        factories.worker(at=home, actor=city)
    with CaptureQueriesContext(connection) as queries:
        first = paginate(_request(), Worker.objects.order_by("-id"), per_page=2, count=False)
    assert len(queries) == 1 and "COUNT" not in queries.captured_queries[0]["sql"].upper()
    assert first.has_next and not first.counted and first.num_pages is None and len(first) == 2
    assert [link.number for link in first.links] == [1, 2, None]
    last = paginate(_request(page="3"), Worker.objects.order_by("-id"), per_page=2, count=False)
    assert (last.total, last.num_pages, last.has_next, len(last)) == (5, 3, False, 1)
    beyond = paginate(_request(page="9"), Worker.objects.order_by("-id"), per_page=2, count=False)
    assert len(beyond) == 0 and not beyond.has_next
    capped = paginate(_request(page="99"), Worker.objects.order_by("-id"), per_page=2, cap=3, count=False)
    assert capped.number == 2 and not capped.has_next


def test_the_district_list_page_sends_no_count_and_remembers_its_options(client, city, home):
    district_admin = factories.user(Role.DISTRICT_ADMIN, district=home.district)
    factories.worker(at=home, actor=city, name="赵六")
    client.force_login(district_admin)
    url = reverse("registry:worker_list")
    assert client.get(url).status_code == 200
    with CaptureQueriesContext(connection) as queries:
        body = client.get(url).content.decode()
    sql = [q["sql"] for q in queries.captured_queries]
    assert not any("COUNT(" in q.upper() for q in sql), sql
    assert not any('"registry_occupation"' in q and "registry_worker" not in q for q in sql), sql
    assert not any('FROM "institutions_institution"' in q for q in sql), sql
    assert "赵六" in body and home.name in body
    assert "1 records in all" in body or "共 1 条" in body or "1 条" in body


def test_a_new_institution_and_a_renamed_occupation_show_at_once(
    client, city, home, django_capture_on_commit_callbacks
):
    district_admin = factories.user(Role.DISTRICT_ADMIN, district=home.district)
    client.force_login(district_admin)
    url = reverse("registry:worker_list")
    assert "新开的养老院" not in client.get(url).content.decode()
    # The version is bumped when the change commits (the test's own transaction never does).
    with django_capture_on_commit_callbacks(execute=True):
        factories.institution(district_code=home.district.code, actor=city, name="新开的养老院")
        occupation = Occupation.objects.first()
        occupation.name = "改了名的职业"
        occupation.save()
    body = client.get(url).content.decode()
    assert "新开的养老院" in body and "改了名的职业" in body
    with django_capture_on_commit_callbacks(execute=True):
        Institution.objects.get(name="新开的养老院").delete()
    assert "新开的养老院" not in client.get(url).content.decode()
