"""Targets, shares, older population and frozen reports: validation by field, audit, immutability;
projection arithmetic."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from careforce.core.models import AuditEvent, Role
from careforce.indicators import definitions, projection, selectors, services
from careforce.indicators.exports import safe_text
from careforce.indicators.models import PeriodReport, Target
from tests import factories
from tests.factories_indicators import district, fresh_dashboard  # noqa: F401

pytestmark = pytest.mark.django_db


def test_the_policy_targets_are_loaded_as_rows():
    rows = {(t.indicator, t.value, t.due_date.year) for t in Target.objects.all()}
    assert ("registry_workers", Decimal(25000), 2027) in rows
    assert ("registry_workers", Decimal(30000), 2029) in rows
    assert ("social_workers_per_100_beds", Decimal(1), 2027) in rows


def test_a_target_is_edited_with_errors_by_field_and_audited(city):
    target = Target.objects.get(indicator="registry_workers", due_date__year=2027)
    with pytest.raises(ValidationError) as exc:
        services.target_update(actor=city, target=target, data={"value": "abc", "due_date": "2027-13-45"})
    assert set(exc.value.message_dict) == {"value", "due_date"}
    services.target_update(actor=city, target=target, data={"value": "26,000", "at_risk_ratio": "0.85"})
    target.refresh_from_db()
    assert target.value == 26000 and target.at_risk_ratio == Decimal("0.85")
    assert AuditEvent.objects.filter(object_type="indicators.target", object_id=target.pk).exists()


def test_only_city_administrators_set_targets(city):
    target = Target.objects.first()
    for user in (
        factories.user(Role.DISTRICT_ADMIN, district=district("500103")),
        factories.user(Role.AUDITOR),
    ):
        with pytest.raises(Http404):
            services.target_update(actor=user, target=target, data={"value": "1"})


def test_district_shares_split_a_city_count_target(city):
    factories.worker(at=factories.institution(actor=city, district_code="500103"), actor=city)
    factories.worker(at=factories.institution(actor=city, district_code="500105"), actor=city)
    target = Target.objects.get(indicator="registry_workers", due_date__year=2027)
    ctx = selectors.load_context()
    indicator = definitions.get("registry_workers")
    default = selectors.place_target(indicator, district("500103").pk, ctx)
    assert default.value == 12500 and default.share_is_default  # half the workers, half the target
    services.target_shares_set(actor=city, target=target, shares={district("500103").pk: "10"})
    ctx = selectors.load_context()
    explicit = selectors.place_target(indicator, district("500103").pk, ctx)
    assert explicit.value == 2500 and not explicit.share_is_default
    # A rate target is the same in every district.
    rate = selectors.place_target(definitions.get("social_workers_per_100_beds"), district("500103").pk, ctx)
    assert rate.value == 1
    with pytest.raises(ValidationError):
        services.target_shares_set(actor=city, target=target, shares={district("500103").pk: "150"})


def test_older_population_needs_a_source(city):
    with pytest.raises(ValidationError) as exc:
        services.older_population_set(
            actor=city, district=district("500103"), year="2024", count="12", source=""
        )
    assert "source" in exc.value.message_dict
    row = services.older_population_set(
        actor=city, district=district("500103"), year="2024", count="120000", source="渝中区统计年鉴2025"
    )
    assert row.count == 120000


def test_a_report_never_changes_after_it_is_generated(city):
    factories.worker(at=factories.institution(actor=city, district_code="500103"), actor=city)
    report = services.report_generate(actor=city, district=district("500103"))
    assert report.content["scorecards"][0]["district"]["name"] == "渝中区"
    report.content = {}
    with pytest.raises(ValidationError):
        report.save()
    with pytest.raises(ValidationError):
        report.delete()
    assert PeriodReport.objects.get(pk=report.pk).content["period"] == report.period
    city_report = services.report_generate(actor=city, district=None)
    assert len(city_report.content["scorecards"]) == 41 and city_report.content["city"]


def test_spreadsheet_text_that_looks_like_a_formula_is_defused():
    assert safe_text("=SUM(A1)") == "'=SUM(A1)"
    assert safe_text("+86") == "'+86"
    assert safe_text("渝中区") == "渝中区"


def test_the_projection_fits_a_line_and_gives_the_verdict():
    today = datetime.date(2026, 1, 1)
    due = datetime.date(2027, 1, 1)  # 12 months ahead
    rising = [Decimal(v) for v in (80, 90, 100, 110, 120, 130)]
    p = projection.project_stock(
        history=rising,
        now=Decimal(130),
        target=Decimal(250),
        due=due,
        today=today,
        at_risk_ratio=Decimal("0.9"),
        window=12,
    )
    assert p.slope_per_month == 10 and p.status == "at_risk"  # 130 + 10 × 12.0 ≈ 250 − a little
    assert p.needed_per_month.quantize(Decimal("0.1")) == Decimal("10.0")  # 120 to go in 11.99 months
    p = projection.project_stock(
        history=rising,
        now=Decimal(130),
        target=Decimal(200),
        due=due,
        today=today,
        at_risk_ratio=Decimal("0.9"),
        window=12,
    )
    assert p.status == "on_track"
    p = projection.project_stock(
        history=rising[:5],  # five months: a trend needs six
        now=Decimal(120),
        target=Decimal(200),
        due=due,
        today=today,
        at_risk_ratio=Decimal("0.9"),
        window=12,
    )
    assert p.status == "no_trend" and p.projected is None
    year = projection.project_year(
        year_to_date=Decimal(5000),
        target=Decimal(20000),
        today=datetime.date(2026, 7, 2),
        at_risk_ratio=Decimal("0.9"),
    )
    assert year.status == "off_track" and 9900 < year.projected < 10100
    # People are whole: a projected 18,687.31 people is shown as 18,687, and 0.2 more a month is one.
    shown = projection.Projection("at_risk", Decimal("18687.31"), None, Decimal("120.2"), Decimal(12))
    assert (shown.rounded(0, whole=True).projected, shown.rounded(0, whole=True).needed_per_month) == (
        18687,
        121,
    )
