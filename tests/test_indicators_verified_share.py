"""The verified share of worker records on the dashboard: one definition (indicators/definitions.py,
`verified_share`, counting what registry/verification.py calls verified), per district and city, current
right after a record's status changes, and the same figure on every page that shows it."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.urls import reverse

from careforce.core.models import Verification
from careforce.indicators import definitions, selectors
from careforce.registry import verification
from careforce.registry.services import employment_end
from tests import factories
from tests.factories_indicators import district, fresh_dashboard, months_ago  # noqa: F401

pytestmark = pytest.mark.django_db
API = "/api/v1/indicators/verified_share"


@pytest.fixture
def world(city):
    yz = factories.institution(actor=city, district_code="500103", name="渝中颐年院")
    jb = factories.institution(actor=city, district_code="500105", name="江北康乐院")
    yz_workers = [factories.worker(at=yz, actor=city, name=n) for n in ("王一", "王二", "王三", "王四")]
    jb_workers = [factories.worker(at=jb, actor=city, name=n) for n in ("赵一", "赵二")]
    verification.worker_verify(actor=city, worker=yz_workers[0], status=Verification.INSTITUTION_CONFIRMED)
    verification.worker_verify(actor=city, worker=yz_workers[1], status=Verification.AUTHORITY_CHECKED)
    verification.worker_verify(actor=city, worker=jb_workers[0], status=Verification.AUTHORITY_CHECKED)
    return {"yz": yz_workers, "jb": jb_workers}


def value(district_code: str | None):
    ctx = selectors.load_context()
    return definitions.get("verified_share").compute(
        ctx.figures(district(district_code).pk if district_code else None)
    )


def test_confirmed_or_checked_records_over_current_workers_per_district_and_city(world, city):
    yz = value("500103")
    assert (yz.numerator, yz.denominator, yz.value) == (2, 4, 50)
    assert value("500105").value == 50
    assert (value(None).numerator, value(None).denominator) == (3, 6)
    # a person whose posts have all ended is no longer a current worker: out of both counts
    employment_end(actor=city, employment=world["yz"][0].employments.get(), end_date=months_ago(0))
    yz = value("500103")
    assert (yz.numerator, yz.denominator) == (1, 3)


def test_withdrawing_a_confirmation_moves_the_figure_at_once(world, city, client):
    client.force_login(city)

    def by_district():
        return {row["district_code"]: row["value"] for row in client.get(API).json()["by_district"]}

    assert by_district()["500105"] == 50
    verification.worker_verify(actor=city, worker=world["jb"][0], status=Verification.SELF_REPORTED)
    assert by_district()["500105"] == 0
    verification.worker_verify(actor=city, worker=world["jb"][1], status=Verification.INSTITUTION_CONFIRMED)
    assert by_district()["500105"] == 50


def test_the_dashboard_shows_it_with_its_definition(world, city, client):
    client.force_login(city)
    answer = client.get(API).json()
    assert Decimal(str(answer["value"])) == Decimal("50.0")  # 3 of 6, city-wide
    page = client.get(reverse("indicators:home")).content.decode()
    assert "verified_share" in page
    district_page = client.get(reverse("indicators:district", args=[district("500103").pk])).content.decode()
    assert "verified_share" in district_page
