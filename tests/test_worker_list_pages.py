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
from careforce.registry import forms, selectors
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


# ---------------------------------------------------------------- seek pages


def _outer_statement(sql: str) -> str:
    """What follows the statement's last sub-select: where an OFFSET over the returned rows would be."""
    return sql.rsplit(")", 1)[-1]


def _pages_equal_offset_pages(user, filters, expected_count: int) -> None:
    ids = list(selectors.worker_list(user, filters).values_list("pk", flat=True))
    assert len(ids) == expected_count
    for number in range(1, expected_count // 2 + 3):
        offset = (number - 1) * 2
        expected = ids[offset : offset + 3]
        with CaptureQueriesContext(connection) as queries:
            page = selectors.worker_page_slice(user, filters, number=number, per_page=2)
            by_number = [r["id"] for r in page]
        assert by_number == expected
        (sql,) = [q["sql"] for q in queries.captured_queries]
        # The skipped rows are skipped among ids only: no OFFSET on the statement that returns the rows.
        assert "OFFSET" not in _outer_statement(sql).upper(), sql
        if number > 1 and offset <= len(ids):
            after = ids[offset - 1]
            page = selectors.worker_page_slice(user, filters, number=number, per_page=2, after=after)
            assert [r["id"] for r in page] == expected


def test_it_finds_every_page_by_a_seek_equal_to_the_offset_page(city, home):
    other = factories.institution(district_code="500112", actor=city)
    for k in range(9):
        factories.worker(at=home if k % 3 else other, actor=city, name=f"王{k}")
    _pages_equal_offset_pages(city, selectors.WorkerFilters(district=home.district_id), 6)


def test_a_pinyin_search_in_one_district_unites_the_keys_and_pages_like_their_or(city, home):
    other = factories.institution(district_code="500112", actor=city)
    # 张三 (zs, zhangsan), 赵四 (zs, zhaosi), 张山 (zs, zhangshan), 周松 (zs), 李四 (ls): initials and spellings
    names = ["张三", "赵四", "张山", "周松", "李四", "张三丰", "朱顺", "郑思", "庄苏"]
    for k, name in enumerate(names):
        factories.worker(at=home if k != 3 else other, actor=city, name=name)
    district_admin = factories.user(Role.DISTRICT_ADMIN, district=home.district)
    for user, filters, count in (
        (district_admin, selectors.WorkerFilters(q="zs"), 7),
        (city, selectors.WorkerFilters(q="zs", district=home.district_id), 7),
        (city, selectors.WorkerFilters(q="zs"), 8),
        (district_admin, selectors.WorkerFilters(q="zhangs"), 3),
        (district_admin, selectors.WorkerFilters(q="z"), 7),
    ):
        _pages_equal_offset_pages(user, filters, count)
    with CaptureQueriesContext(connection) as queries:
        list(
            selectors.worker_page_slice(district_admin, selectors.WorkerFilters(q="zs"), number=1, per_page=2)
        )
    assert " UNION " in queries.captured_queries[0]["sql"].upper()


def test_the_page_links_carry_a_cursor_and_walk_the_same_rows_as_page_numbers(client, city, home, settings):
    settings.LIST_PAGE_SIZE = 2
    for k in range(7):
        factories.worker(at=home, actor=city, name=f"李{k}")
    client.force_login(city)
    url = reverse("registry:worker_list")
    names_by_number = [
        [row["name"] for row in client.get(url, {"page": n}).context["page"]] for n in range(1, 5)
    ]
    assert [len(names) for names in names_by_number] == [2, 2, 2, 1]
    walked, response = [], client.get(url)
    while True:
        page = response.context["page"]
        walked.append([row["name"] for row in page])
        if not page.has_next:
            break
        assert "cursor=" in page.next_url and "cursor=" not in page.previous_url
        assert all("cursor=" not in link.url for link in page.links if link.number != page.number + 1)
        response = client.get(url + page.next_url)
    assert walked == names_by_number
    assert response.context["page"].total == 7 and response.context["page"].number == 4
    # A cursor that does not decode is ignored: the page number alone answers.
    broken = client.get(url, {"page": 2, "cursor": "not-a-cursor"}).context["page"]
    assert [row["name"] for row in broken] == names_by_number[1]


def test_a_deep_page_costs_the_same_statements_as_the_first(client, city, home, settings):
    settings.LIST_PAGE_SIZE = 2
    for k in range(7):
        factories.worker(at=home, actor=city, name=f"赵{k}")
    client.force_login(city)
    url = reverse("registry:worker_list")
    client.get(url)
    counts = []
    for params in ({}, {"page": 3}):
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url, params).status_code == 200
        counts.append(len(queries))
        worker_sql = [q["sql"] for q in queries.captured_queries if "registry_worker" in q["sql"]]
        assert len(worker_sql) == 1 and "OFFSET" not in _outer_statement(worker_sql[0]).upper()
    assert counts[0] == counts[1]


# ---------------------------------------------------------------- the institution filter's markup


def test_the_institution_filter_is_rendered_once_and_stays_scoped(client, city, home):
    elsewhere = factories.institution(district_code="500112", actor=city, name="别区的养老院")
    second = factories.institution(district_code=home.district.code, actor=city, name="同区第二家")
    district_admin = factories.user(Role.DISTRICT_ADMIN, district=home.district)
    client.force_login(district_admin)
    url = reverse("registry:worker_list")
    forms._choices.clear()
    body = client.get(url).content.decode()
    markups = [key for key in forms._choices if key[0] == "markup"]
    assert len(markups) == 1
    assert home.name in body and second.name in body and elsewhere.name not in body
    # The chosen institution is marked on a copy: the remembered markup stays unmarked.
    chosen = client.get(url, {"institution": second.pk}).content.decode()
    assert f'<option value="{second.pk}" selected>' in chosen
    assert [key for key in forms._choices if key[0] == "markup"] == markups
    assert " selected" not in forms._choices[markups[0]].replace('<option value="" selected>', "")
    assert f'<option value="{second.pk}" selected>' not in client.get(url).content.decode()
    # Asking for another district's institution shows nothing of it (and filters nothing).
    foreign = client.get(url, {"institution": elsewhere.pk}).content.decode()
    assert elsewhere.name not in foreign


def test_a_city_administrator_sees_a_new_institution_of_the_chosen_district_at_once(
    client, city, home, django_capture_on_commit_callbacks
):
    client.force_login(city)
    url = reverse("registry:worker_list")
    params = {"district": home.district_id}
    assert home.name in client.get(url, params).content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        factories.institution(district_code=home.district.code, actor=city, name="刚开的护理站")
        factories.institution(district_code="500112", actor=city, name="渝北新开的")
    body = client.get(url, params).content.decode()
    assert "刚开的护理站" in body and "渝北新开的" not in body
