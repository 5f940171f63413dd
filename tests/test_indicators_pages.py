"""Dashboard pages: who sees what, links only to records in scope, freshness right after a change,
xlsx downloads, and a bounded number of queries."""

from __future__ import annotations

import io

import openpyxl
import pytest
from django.urls import reverse

from careforce.core.models import Role
from careforce.indicators import engine
from careforce.registry.services import employment_end, worker_transfer
from tests import factories
from tests.factories_indicators import district, fresh_dashboard, months_ago  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(city):
    yz = factories.institution(actor=city, district_code="500103", name="渝中颐年院")
    jb = factories.institution(actor=city, district_code="500105", name="江北康乐院")
    factories.worker(at=yz, actor=city, name="王一")
    factories.worker(at=jb, actor=city, name="赵二")
    factories.worker(at=jb, actor=city, name="钱三")
    return yz, jb


def login(client, role, **binding):
    user = factories.user(role, **binding)
    client.force_login(user)
    return user


def test_it_shows_the_city_overview_with_map_table_and_links(client, city, places):
    client.force_login(city)
    page = client.get(reverse("indicators:home")).content.decode()
    assert "district-map" in page and "ranking-table" in page
    assert f"/workers/?active=yes&amp;district={district('500105').pk}" in page
    assert "chongqing.geojson" in page and "\\u6881\\u5e73\\u53bf" in page  # 梁平县, the old name mapped


def test_a_district_official_lands_on_the_district_view(client, city, places):
    login(client, Role.DISTRICT_ADMIN, district=district("500103"))
    response = client.get(reverse("indicators:home"))
    assert response.status_code == 302
    assert response["Location"] == reverse("indicators:district", args=[district("500103").pk])
    page = client.get(response["Location"]).content.decode()
    assert reverse("indicators:home") + "?view=city" in page  # the city aggregate is one click away


def test_a_district_official_sees_the_city_in_aggregate_but_only_its_own_records(client, city, places):
    login(client, Role.DISTRICT_ADMIN, district=district("500103"))
    page = client.get(reverse("indicators:home") + "?view=city").content.decode()
    assert 'name="view" value="city"' in page  # choosing another indicator stays on the city view
    assert "江北区" in page  # the aggregate of another district, on the ranked table
    assert f"district={district('500105').pk}" not in page  # but no link to its records
    assert reverse("indicators:district", args=[district("500105").pk]) not in page
    assert reverse("indicators:district", args=[district("500103").pk]) in page
    assert client.get(reverse("indicators:district", args=[district("500105").pk])).status_code == 404
    drill = client.get(reverse("indicators:district", args=[district("500103").pk])).content.decode()
    assert "渝中颐年院" in drill and "江北康乐院" not in drill


def test_institution_admins_get_their_institution_and_workers_get_404(client, city, places):
    yz, jb = places
    login(client, Role.INSTITUTION_ADMIN, institution=yz)
    response = client.get(reverse("indicators:home"))
    assert response.status_code == 302 and response["Location"].endswith(f"/indicators/institutions/{yz.pk}/")
    assert client.get(reverse("indicators:institution", args=[jb.pk])).status_code == 404
    worker = factories.worker(at=yz, actor=city)
    login(client, Role.WORKER, worker=worker)
    for name in ("indicators:home", "indicators:reports", "indicators:targets", "indicators:overview_export"):
        assert client.get(reverse(name)).status_code == 404


def test_it_is_correct_right_after_a_record_changes(client, city, places):
    yz, jb = places
    client.force_login(city)
    api = "/api/v1/indicators/registry_workers"

    def by_district():
        return {row["district_code"]: row["value"] for row in client.get(api).json()["by_district"]}

    assert (by_district()["500103"], by_district()["500105"]) == (1, 2)
    moved = jb.employments.first().worker
    worker_transfer(
        actor=city, worker=moved, data={"institution": yz.pk, "post": "护理员", "start_date": months_ago(0)}
    )
    assert (by_district()["500103"], by_district()["500105"]) == (2, 1)  # both districts, no restart
    employment_end(actor=city, employment=moved.employments.get(end_date=None), end_date=months_ago(0))
    assert by_district()["500103"] == 1
    factories.worker(at=jb, actor=city)  # a registration (bulk_create, no signals): seen in the audit trail
    assert by_district()["500105"] == 2


def test_the_warm_overview_reads_few_queries(client, city, places, django_assert_max_num_queries):
    client.force_login(city)
    client.get(reverse("indicators:home"))
    with django_assert_max_num_queries(20):
        client.get(reverse("indicators:home"))


def test_every_page_downloads_its_tables_as_xlsx_with_formulas_defused(client, city, places):
    factories.institution(actor=city, district_code="500103", name="=HYPERLINK(1)")
    engine.reset()
    client.force_login(city)
    yz = district("500103").pk
    for url in (
        reverse("indicators:overview_export"),
        reverse("indicators:overview_export") + "?table=pyramid",
        reverse("indicators:district_export", args=[yz]),
        reverse("indicators:scorecard_export", args=[yz]),
    ):
        response = client.get(url)
        assert response.status_code == 200
        book = openpyxl.load_workbook(io.BytesIO(response.content))
        assert book.sheetnames
    book = openpyxl.load_workbook(
        io.BytesIO(
            client.get(reverse("indicators:district_export", args=[yz]) + "?table=institutions").content
        )
    )
    names = [row[0].value for row in book.active.iter_rows(min_row=2)]
    assert "'=HYPERLINK(1)" in names
    assert client.get(reverse("indicators:overview_export") + "?table=nothing").status_code == 404


def test_switching_the_indicator_returns_the_map_fragment(client, city, places):
    client.force_login(city)
    response = client.get(
        reverse("indicators:home") + "?indicator=social_workers_per_100_beds",
        HTTP_HX_REQUEST="true",
        HTTP_HX_TARGET="by-district",
    )
    body = response.content.decode()
    assert "<html" not in body and "district-map" in body and "社会工作者" not in body[:0]
    assert client.get(reverse("indicators:home") + "?indicator=nonsense").status_code == 200


def test_the_nav_offers_the_dashboard_to_officials_only(client, city, places):
    client.force_login(city)
    assert reverse("indicators:home") in client.get(reverse("core:home")).content.decode()
