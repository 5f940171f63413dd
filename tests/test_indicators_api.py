"""/api/v1/indicators, /scorecards, /reports, /targets: shapes, scope, errors."""

from __future__ import annotations

import pytest

from careforce.core.models import Role
from careforce.indicators.models import PeriodReport
from tests import factories
from tests.factories_indicators import district, fresh_dashboard  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(city):
    yz = factories.institution(actor=city, district_code="500103")
    jb = factories.institution(actor=city, district_code="500105")
    factories.worker(at=yz, actor=city)
    factories.worker(at=jb, actor=city)
    return yz, jb


def test_it_lists_the_indicators_with_definitions_targets_and_trend(client, city, places):
    client.force_login(city)
    rows = {row["code"]: row for row in client.get("/api/v1/indicators").json()}
    workers = rows["registry_workers"]
    assert workers["value"] == 2 and workers["target"] == 25000 and workers["target_due"] == "2027-12-31"
    assert "current post" in workers["definition"] or workers["definition"]
    assert workers["series"][-1]["value"] == 2
    assert workers["records_url"] == "/workers/?active=yes"


def test_it_answers_one_indicator_by_district_with_the_ranking(client, city, places):
    client.force_login(city)
    data = client.get("/api/v1/indicators/registry_workers").json()
    assert {row["district_code"] for row in data["by_district"]} >= {"500103", "500105"}
    assert len(data["by_district"]) == 41
    one = client.get(f"/api/v1/indicators/registry_workers?district={district('500103').pk}").json()
    assert one["value"] == 1 and one["by_district"] == []
    assert client.get("/api/v1/indicators/no_such_thing").status_code == 404
    assert client.get("/api/v1/indicators/registry_workers?district=abc").status_code == 422
    assert client.get("/api/v1/indicators/registry_workers?district=999999").status_code == 404


def test_a_district_official_gets_404_for_another_district(client, city, places):
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=district("500103")))
    other = district("500105").pk
    assert client.get(f"/api/v1/indicators?district={other}").status_code == 404
    assert client.get(f"/api/v1/scorecards/{other}").status_code == 404
    city_view = client.get("/api/v1/indicators/registry_workers").json()
    assert city_view["value"] == 2  # the city in aggregate
    assert city_view["records_url"] is None  # but not the city's records


def test_an_institution_admin_gets_its_institution(client, city, places):
    yz, jb = places
    client.force_login(factories.user(Role.INSTITUTION_ADMIN, institution=yz))
    rows = {row["code"]: row for row in client.get("/api/v1/indicators").json()}
    assert rows["registry_workers"]["value"] == 1
    assert client.get(f"/api/v1/indicators?institution={jb.pk}").status_code == 404


def test_it_gives_a_scorecard_and_freezes_reports(client, city, places):
    client.force_login(city)
    yz = district("500103").pk
    card = client.get(f"/api/v1/scorecards/{yz}").json()
    row = next(r for r in card["rows"] if r["code"] == "registry_workers")
    assert row["value"] == 1 and row["ranked"] >= 2 and row["rank"] >= 1
    assert {a["code"] for a in card["actions"]} >= {"short_of_staff"}
    created = client.post("/api/v1/reports", {"district": yz}, content_type="application/json")
    assert created.status_code == 201
    report = created.json()
    assert report["content"]["scorecards"][0]["district"]["code"] == "500103"
    assert client.get(f"/api/v1/reports/{report['id']}").json()["content_sha256"] == report["content_sha256"]
    assert client.get("/api/v1/reports").json()["items"][0]["id"] == report["id"]
    assert (
        client.post("/api/v1/reports", {"district": "x"}, content_type="application/json").status_code == 422
    )
    assert client.post("/api/v1/reports", {"nope": 1}, content_type="application/json").status_code == 422


def test_read_only_and_district_roles_cannot_generate_beyond_their_scope(client, city, places):
    client.force_login(factories.user(Role.AUDITOR))
    assert client.post("/api/v1/reports", {}, content_type="application/json").status_code == 404
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=district("500103")))
    assert client.post("/api/v1/reports", {}, content_type="application/json").status_code == 404
    other = {"district": district("500105").pk}
    assert client.post("/api/v1/reports", other, content_type="application/json").status_code == 404
    assert PeriodReport.objects.count() == 0


def test_it_lists_the_targets_as_data(client, city, places):
    client.force_login(city)
    targets = client.get("/api/v1/targets").json()
    codes = {(t["indicator"], t["value"]) for t in targets}
    assert ("registry_workers", 30000.0) in codes and ("certification_rate", 60.0) in codes
    assert ("training_person_times", 20000.0) in codes
