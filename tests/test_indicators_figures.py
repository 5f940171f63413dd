"""Figures officials can use: one targets table for every page, every target with its own due date, whole
people and bases, and rankings that never put an empty district first."""

from __future__ import annotations

from decimal import Decimal

import pytest

from careforce.core.models import Role
from careforce.indicators import definitions, selectors, services
from careforce.indicators.models import Target
from careforce.registry.services import employment_end
from tests import factories
from tests.factories_indicators import district, fresh_dashboard, months_ago, today  # noqa: F401

pytestmark = pytest.mark.django_db


@pytest.fixture
def places(city):
    yz = factories.institution(actor=city, district_code="500103", name="幸福院")
    jb = factories.institution(actor=city, district_code="500105", name="康乐院")
    for n in range(3):
        factories.worker(at=yz, actor=city, name=f"甲{n}", start=months_ago(10 + n))
    w = factories.worker(at=jb, actor=city, name="乙", start=months_ago(8))
    employment_end(actor=city, employment=w.employments.get(), end_date=months_ago(1))
    factories.worker(at=jb, actor=city, name="丙", start=months_ago(7))
    return {"yz": yz, "jb": jb}


def reading(code: str, district_code: str | None, city):
    ctx = selectors.load_context()
    d = district(district_code).pk if district_code else None
    return selectors.read(definitions.get(code), d, ctx, selectors.scope_of(city), {})


def test_an_edit_on_the_targets_page_reaches_the_training_and_skills_pages(client, city, places):
    bases = Target.objects.get(indicator="training_bases", district__isnull=True)
    services.target_update(actor=city, target=bases, data={"value": "12"})
    rate = Target.objects.get(indicator="certification_rate", district__isnull=True)
    services.target_update(actor=city, target=rate, data={"value": "65"})
    client.force_login(city)
    assert "12" in client.get("/training/").content.decode()
    assert "The policy wants 12 training bases by 2027" in _english(client, "/training/bases/")
    assert "Target: 65% by 2027" in _english(client, "/skills/")
    assert client.get("/api/v1/skills/certification-rates").json()["target"] == "65"


def _english(client, url: str) -> str:
    client.cookies["django_language"] = "en"
    try:
        return client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    finally:
        del client.cookies["django_language"]


def test_every_target_is_shown_with_its_own_due_date(client, city, places):
    workers = reading("registry_workers", None, city)
    assert [(g.target.value, g.target.due_date.year) for g in workers.goals] == [(25000, 2027), (30000, 2029)]
    assert workers.target.value == 25000  # the page leads with the nearest
    client.force_login(city)
    data = {i["code"]: i for i in client.get("/api/v1/indicators").json()}
    assert [(t["value"], t["due"][:4]) for t in data["registry_workers"]["targets"]] == [
        (25000, "2027"),
        (30000, "2029"),
    ]
    page = client.get("/indicators/").content.decode()
    assert 'data-due="2027-12-31"' in page and 'data-due="2029-12-31"' in page


def test_people_and_bases_are_whole_numbers(city, places):
    share = reading("registry_workers", "500103", city)
    for goal in share.goals:
        assert goal.target.value == goal.target.value.to_integral_value()  # 25,000 × 3/4 = 18,750
        projected = goal.projection.projected
        assert projected is None or projected == projected.to_integral_value()
        needed = goal.projection.needed_per_month
        assert needed is None or needed == needed.to_integral_value()
    assert share.goals[0].target.value == Decimal(18750)
    # Ten training bases are a city target: no district is given a fraction of a base.
    assert reading("training_bases", "500103", city).goals == []
    assert [g.target.value for g in reading("training_bases", None, city).goals] == [10]


def test_a_district_without_workers_is_not_ranked_first(city, places):
    ctx = selectors.load_context()
    scope = selectors.scope_of(city)
    rows = selectors.ranking(definitions.get("overdue_complaints"), ctx, scope)
    ranked = [r for r in rows if r["rank"] is not None]
    assert {r["district"].code for r in ranked} == {"500103", "500105"}
    assert rows[0]["district"].code in {"500103", "500105"}
    empty = next(r for r in rows if r["district"].code == "500101")  # 万州区: nobody registered
    assert empty["rank"] is None and empty["value"] == 0


def test_a_trend_needs_six_months_and_uses_up_to_24(city, places):
    workers = reading("registry_workers", "500103", city)
    assert len(workers.points) >= 6  # posts held at each month end, read back from the employment dates
    assert workers.goals[0].projection.status != "no_trend"
    assert Target.objects.filter(trend_months=24).count() == Target.objects.count()


def test_a_district_official_sees_the_same_targets(client, city, places):
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=district("500103")))
    data = {i["code"]: i for i in client.get(f"/api/v1/indicators?district={district('500103').pk}").json()}
    assert [t["value"] for t in data["registry_workers"]["targets"]] == [18750, 22500]
    assert today().year <= int(data["registry_workers"]["target_due"][:4])


def test_every_stock_figure_has_a_history_read_back_from_the_records(city, places):
    """The care team, social-worker ratios, density and exit rate are projected from month ends rebuilt
    from the employment dates, not from snapshots nobody took."""
    from careforce.indicators.models import OlderPopulation
    from careforce.indicators.sources import month_key

    factories.worker(
        at=places["yz"],
        actor=city,
        name="社工",
        start=months_ago(4),
        team="professional",
        occupation="social_worker",
    )
    OlderPopulation.objects.create(district=district("500103"), year=2024, count=2000, source="测试")
    sw = dict(reading("social_workers_per_1000_older", "500103", city).points)
    assert sw[month_key(months_ago(6))] == 0 and sw[month_key(months_ago(2))] == Decimal("0.5")
    care = dict(reading("care_workers_team", "500103", city).points)
    assert care[month_key(months_ago(11))] == 2 and care[month_key(months_ago(2))] == 3
    density = dict(reading("density_per_1000_older", "500103", city).points)
    assert density[month_key(months_ago(2))] == 2  # 4 posts per 2,000 older people
    for code in ("care_workers_team", "social_workers_per_1000_older", "density_per_1000_older"):
        assert len(reading(code, "500103", city).points) >= 6, code
    exits = dict(reading("exit_rate", "500105", city).points)
    assert exits[month_key(months_ago(1))] == 100  # 1 exit in 12 months, 1 post held at that month end


def test_bases_and_overdue_complaints_have_a_history_too(city, places):
    from careforce.indicators.sources import month_key
    from careforce.training import services as training_services
    from tests import factories_conduct as fc

    training_services.training_base_register(
        actor=city,
        data={
            "name": "渝中区养老服务人才培训基地",
            "kind": "training",
            "host": "重庆城市管理职业学院",
            "district": "500103",
            "accredited_on": months_ago(5),
            "capacity": "100",
        },
    )
    bases = dict(reading("training_bases", "500103", city).points)
    assert bases.get(month_key(months_ago(7)), 0) == 0 and bases[month_key(months_ago(3))] == 1
    # Received four months ago with a 30-day deadline and never concluded: overdue since.
    fc.complaint(actor=city, institution=places["yz"], received_on=months_ago(4, day=1))
    overdue = dict(reading("overdue_complaints", "500103", city).points)
    assert overdue[month_key(months_ago(5))] == 0
    assert overdue[month_key(months_ago(2))] == 1
