"""The dashboard's figures of contracts, insurance, subsidies and recognition: kept by the services in each
change's transaction, exact right after it, equal to the records, rebuilt by `careforce indicators_rebuild`."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.management import call_command
from django.utils import timezone

from careforce.core.models import District
from careforce.incentives import metrics, selectors, services
from careforce.incentives.models import CoverDelta, CoveredTally, CoverFact, PaidTally, Payment, Scheme
from careforce.indicators import definitions, engine
from careforce.recognition import metrics as recognition_metrics
from careforce.recognition import services as recognition
from careforce.recognition.models import RecognitionTally
from careforce.registry import services as registry
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate
DAY = datetime.timedelta(days=1)


@pytest.fixture(autouse=True)
def fresh_blocks():
    engine.reset()
    yield
    engine.reset()


def _district(code: str = "500103") -> int:
    return District.objects.get(code=code).pk


def _value(code: str, district_code: str = "500103") -> Decimal | None:
    """The indicator as the dashboard computes it from the engine's blocks."""
    block = engine.blocks([_district(district_code)])[_district(district_code)]
    return definitions.get(code).compute(block).value


def _scheme(city, **fields) -> Scheme:
    data = {
        "code": f"s{Scheme.objects.count()}",
        "name": f"岗位津贴{Scheme.objects.count()}",
        "kind": "one_off_skill",
        "amounts": {"2": 500},
        "starts_on": datetime.date(2024, 1, 1),
        "notice_days": 0,
        **fields,
    }
    return services.scheme_create(actor=city, data=data)


def _pay(city, scheme, period="2026-11"):
    run = services.run_eligibility(actor=city, scheme=scheme, period=period)
    services.approve_all(actor=city, run=run)
    return services.pay(actor=city, run=run)


def test_contract_coverage_is_exact_after_each_change_and_follows_the_date(city):
    worker = factories.worker(actor=city)
    factories.worker(actor=city, at=worker.institution, name="李四")  # a care worker without a contract
    assert _value("contract_coverage") == Decimal(0)
    contract = services.contract_add(
        actor=city,
        worker=worker,
        data={
            "contract_type": "fixed_term",
            "start_date": TODAY() - 300 * DAY,
            "end_date": TODAY() + 10 * DAY,
        },
    )
    assert _value("contract_coverage") == Decimal(50)  # read again right after the change
    # The day after its end the contract no longer counts, without any write; a renewal covers on.
    assert metrics.coverage([_district()], TODAY() + 11 * DAY)[_district()][metrics.CONTRACT] == 0
    services.contract_renew(actor=city, contract=contract, data={"contract_type": "open_ended"})
    assert metrics.coverage([_district()], TODAY() + 4000 * DAY)[_district()][metrics.CONTRACT] == 1
    assert metrics.differences() == [] and metrics.differences(TODAY() + 11 * DAY) == []
    # Leaving the post: no longer a current care worker, no longer counted.
    registry.employment_end(actor=city, employment=worker.employments.get(), end_date=TODAY())
    assert _value("contract_coverage") == Decimal(0)
    assert metrics.differences() == []


def test_work_injury_cover_counts_and_accident_insurance_does_not(city):
    worker = factories.worker(actor=city)
    other = factories.worker(actor=city, at=worker.institution, name="李四")
    period = {"insurer": "人保财险", "start_date": TODAY() - 10 * DAY, "end_date": TODAY() + 300 * DAY}
    services.cover_add(actor=city, worker=other, data={"kind": "accident", **period})
    assert _value("injury_insurance_coverage") == Decimal(0)
    services.cover_add(actor=city, worker=worker, data={"kind": "work_injury", **period})
    assert _value("injury_insurance_coverage") == Decimal(50)
    figures = selectors.district_figures(city)  # the page reads the same kept figures
    assert (figures.care_workers, figures.with_insurance, figures.insurance_coverage) == (2, 1, 50.0)
    assert metrics.differences() == []


def test_paid_and_people_paid_are_kept_through_payments_and_reversals(city):
    worker = factories.worker(actor=city)
    second = factories.worker(actor=city, at=worker.institution, name="李四")
    for person in (worker, second):
        ft.certificate(person, level="junior", actor=city)
    one_off = _scheme(city)
    monthly = _scheme(city, kind="monthly_post", amounts={"2": 100})
    _pay(city, one_off)
    assert (_value("subsidies_paid"), _value("subsidies_people")) == (Decimal("1000.00"), Decimal(2))
    _pay(city, monthly)
    assert (_value("subsidies_paid"), _value("subsidies_people")) == (Decimal("1200.00"), Decimal(2))
    # A reversal subtracts its amount; the worker still has the monthly payment, so is still paid.
    services.reverse(actor=city, payment=Payment.objects.get(worker=worker, scheme=one_off), reason="有误")
    assert (_value("subsidies_paid"), _value("subsidies_people")) == (Decimal("700.00"), Decimal(2))
    services.reverse(actor=city, payment=Payment.objects.get(worker=worker, scheme=monthly), reason="有误")
    assert (_value("subsidies_paid"), _value("subsidies_people")) == (Decimal("600.00"), Decimal(1))
    figures = selectors.district_figures(city)
    assert dict(figures.paid_by_scheme) == {one_off.name: Decimal("500"), monthly.name: Decimal("100")}
    assert figures.people_covered == 1
    assert metrics.differences() == []


def test_awards_and_prizes_are_kept_by_the_recognition_services(city, home):
    worker = factories.worker(at=home, actor=city)
    year = TODAY().year
    recognition.award_grant(actor=city, data={"kind": "最美护理员", "worker": worker.pk, "year": year})
    assert _value("awards") == Decimal(1)
    assert recognition_metrics.differences() == []


def test_the_rebuild_command_writes_the_same_figures_from_the_records(city):
    worker = factories.worker(actor=city)
    ft.certificate(worker, level="junior", actor=city)
    services.contract_add(
        actor=city, worker=worker, data={"contract_type": "open_ended", "start_date": TODAY() - 30 * DAY}
    )
    _pay(city, _scheme(city))
    recognition.award_grant(actor=city, data={"kind": "最美护理员", "worker": worker.pk, "year": 2026})
    before = (
        sorted(PaidTally.objects.values_list("district_id", "scheme_id", "amount")),
        sorted(CoveredTally.objects.values_list("district_id", "people")),
        sorted(CoverFact.objects.values_list("worker_id", "district_id", "contract", "injury")),
        metrics.coverage(None, TODAY()),
        sorted(RecognitionTally.objects.values_list("district_id", "year", "awards", "prizes")),
    )
    for model in (PaidTally, CoveredTally, CoverFact, CoverDelta, RecognitionTally):
        model.objects.all().delete()
    assert metrics.differences() and recognition_metrics.differences()
    call_command("indicators_rebuild")
    after = (
        sorted(PaidTally.objects.values_list("district_id", "scheme_id", "amount")),
        sorted(CoveredTally.objects.values_list("district_id", "people")),
        sorted(CoverFact.objects.values_list("worker_id", "district_id", "contract", "injury")),
        metrics.coverage(None, TODAY()),
        sorted(RecognitionTally.objects.values_list("district_id", "year", "awards", "prizes")),
    )
    assert after == before
    assert metrics.differences() == [] and recognition_metrics.differences() == []


def test_merged_intervals_count_a_person_once():
    day = datetime.date(2026, 1, 1)
    assert metrics.merged(
        [(day, day + 9 * DAY), (day + 10 * DAY, None), (day + 5 * DAY, day + 20 * DAY)]
    ) == [(day, None)]
    assert metrics.merged([(day + 30 * DAY, day + 40 * DAY), (day, day + 9 * DAY)]) == [
        (day, day + 9 * DAY),
        (day + 30 * DAY, day + 40 * DAY),
    ]
