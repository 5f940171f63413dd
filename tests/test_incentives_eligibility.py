"""Eligibility runs: the set-based run gives each worker the bits a direct evaluation of each condition gives;
entry subsidies offer the earliest unpaid tranche first; district officers see and review their district's rows
of a city-wide run, nothing else; the payment sheet for finance."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Q
from django.http import Http404
from django.utils import timezone
from openpyxl import load_workbook

from careforce.core.models import Role, Verification
from careforce.credit.models import DishonestyListing, DishonestySituation, active_listings_q
from careforce.incentives import conditions, selectors, services, sheets
from careforce.incentives.conditions import years_before
from careforce.incentives.models import Eligibility, LabourContract, Payment, Scheme
from careforce.registry import completeness
from careforce.registry.models import Employment, Team, Worker
from careforce.registry.services import employment_start
from careforce.skills.models import Certificate
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _scheme(city, **fields) -> Scheme:
    data = {
        "code": f"e{Scheme.objects.count()}",
        "name": "补贴",
        "kind": "monthly_post",
        "amounts": {"3": 800},
        "starts_on": datetime.date(2015, 1, 1),
        "notice_days": 0,
        **fields,
    }
    return services.scheme_create(actor=city, data=data)


def _direct_bits(scheme: Scheme, worker, as_of: datetime.date) -> int:
    """Each condition evaluated on its own for one worker, as the definitions read (docs/incentives.md)."""
    employments = Employment.objects.filter(worker=worker)
    certificates = Certificate.objects.filter(worker=worker, status="valid", issued_on__lte=as_of).filter(
        Q(valid_until__isnull=True) | Q(valid_until__gte=as_of)
    )
    contracts = LabourContract.objects.filter(worker=worker, start_date__lte=as_of).filter(
        Q(end_date__isnull=True) | Q(end_date__gte=as_of)
    )
    met = {
        "years_in_care": scheme.min_years_in_care is None
        or (
            worker.team == Team.CARE
            and employments.filter(start_date__lte=years_before(as_of, scheme.min_years_in_care)).exists()
        ),
        "continuous_service": scheme.min_continuous_years is None
        or employments.filter(
            end_date__isnull=True, start_date__lte=years_before(as_of, scheme.min_continuous_years)
        ).exists(),
        "contract": scheme.min_contract_years is None
        or contracts.filter(
            Q(term_months__isnull=True) | Q(term_months__gte=12 * scheme.min_contract_years)
        ).exists(),
        "skill_level": scheme.min_skill_rank is None
        or certificates.filter(level__rank__gte=scheme.min_skill_rank).exists(),
        "not_dishonest": not scheme.exclude_dishonest
        or not DishonestyListing.objects.filter(active_listings_q(as_of), worker=worker).exists(),
        "not_public_institution": not scheme.exclude_public_institution
        or not contracts.filter(contract_type="public_institution").exists(),
        "completeness": scheme.min_completeness_percent is None
        or completeness.shares_by_institution(on=as_of)[worker.institution_id].meets(
            scheme.min_completeness_percent
        ),
        # monthly post allowance {"3": 800}: an amount from rank 3 up
        "amount": certificates.filter(level__rank__gte=3).exists(),
    }
    return sum(conditions.BIT[code] for code, ok in met.items() if ok)


def _world(city) -> list[Worker]:
    """Five workers who between them fail and meet each condition."""
    today = TODAY()
    home = factories.institution(actor=city)
    sloppy = factories.institution(actor=city)
    veteran = factories.worker(actor=city, at=home, name="王一", start=datetime.date(2016, 5, 1))
    ft.certificate(veteran, level="senior", actor=city)
    services.contract_add(
        actor=city, worker=veteran, data={"contract_type": "open_ended", "start_date": "2016-05-01"}
    )
    newcomer = factories.worker(actor=city, at=home, name="李二", start=today - datetime.timedelta(days=200))
    ft.certificate(newcomer, level="junior", actor=city)
    services.contract_add(
        actor=city,
        worker=newcomer,
        data={
            "contract_type": "fixed_term",
            "start_date": today - datetime.timedelta(days=200),
            "end_date": today + datetime.timedelta(days=500),
        },
    )
    # An earlier post counts for years in care, not for continuous service; a support-team worker's does not.
    returner = factories.worker(actor=city, at=sloppy, name="赵三", start=datetime.date(2024, 1, 1))
    employment_start(
        actor=city,
        worker=returner,
        data={
            "institution": sloppy.pk,
            "post": "护理员",
            "start_date": "2012-01-01",
            "end_date": "2020-12-31",
        },
    )
    ft.certificate(returner, level="intermediate", actor=city)
    services.contract_add(
        actor=city,
        worker=returner,
        data={"contract_type": "public_institution", "start_date": "2024-01-01"},
    )
    support = factories.worker(
        actor=city, at=sloppy, name="钱四", start=datetime.date(2010, 1, 1), team="support", occupation="cook"
    )
    expired = ft.certificate(support, level="technician", actor=city)
    Certificate.objects.filter(pk=expired.pk).update(valid_until=today - datetime.timedelta(days=1))
    services.contract_add(
        actor=city,
        worker=support,
        data={"contract_type": "fixed_term", "start_date": "2015-01-01", "end_date": "2019-12-31"},
    )
    Employment.objects.filter(worker=support).update(has_labour_contract=False)  # the institution incomplete
    listed = factories.worker(actor=city, at=home, name="孙五", start=datetime.date(2015, 1, 1))
    ft.certificate(listed, level="senior", actor=city)
    DishonestyListing.objects.create(
        worker=listed,
        district=listed.district,
        situation=DishonestySituation.objects.first(),
        deciding_body="区民政局",
        start_date=today - datetime.timedelta(days=3),
    )
    workers = [veteran, newcomer, returner, support, listed]
    # The home institution confirmed its staff records (complete); the other did not.
    Worker.objects.filter(institution=home).update(
        verification=Verification.INSTITUTION_CONFIRMED, verified_at=timezone.now()
    )
    return workers


def test_it_gives_each_worker_the_bits_of_a_direct_evaluation():
    city = factories.city_admin()
    workers = _world(city)
    strict = _scheme(
        city,
        min_years_in_care=5,
        min_continuous_years=2,
        min_contract_years=3,
        min_skill_rank=3,
        exclude_public_institution=True,
        min_completeness_percent=100,
    )
    lenient = _scheme(city, exclude_dishonest=False, min_years_in_care=10)
    for scheme in (strict, lenient):
        run = services.run_eligibility(actor=city, scheme=scheme, period="2026-11")
        got = dict(Eligibility.objects.filter(run=run).values_list("worker_id", "conditions_met"))
        expected = {w.pk: _direct_bits(scheme, w, run.as_of) for w in workers}
        assert got == expected
    # The data set tells the conditions apart: each fails for someone and holds for someone.
    for code, bit in conditions.BIT.items():
        bits = [_direct_bits(strict, w, TODAY()) & bit for w in workers]
        assert any(bits) and not all(bits), code


def _rows(run) -> dict:
    return {
        row[0]: row[1:]
        for row in Eligibility.objects.filter(run=run).values_list(
            "worker_id",
            "district_id",
            "institution_id",
            "conditions_met",
            "qualifies",
            "payment_key",
            "amount",
        )
    }


def test_a_run_of_several_schemes_equals_a_run_of_each():
    city = factories.city_admin()
    workers = _world(city)
    elsewhere = factories.worker(
        actor=city, name="江北丙", at=factories.institution(actor=city, district_code="500105")
    )
    ft.certificate(elsewhere, level="senior", actor=city)
    schemes = [
        _scheme(
            city, min_years_in_care=5, min_contract_years=3, min_skill_rank=3, min_completeness_percent=100
        ),
        _scheme(city, exclude_dishonest=True, exclude_public_institution=True),
        _scheme(city, kind="entry", amounts={"college": 40000}, tranches=[[1, 30], [2, 30], [3, 40]]),
        _scheme(city, kind="training", amounts={"*": 300}, min_continuous_years=1),
        # A district's scheme among city-wide ones: only its district's workers.
        _scheme(
            city,
            level="district",
            district_id=workers[0].district_id,
            kind="one_off_skill",
            amounts={"*": 1000},
        ),
    ]
    together = services.run_eligibility_many(actor=city, schemes=schemes, period="2026-11")
    alone = [services.run_eligibility(actor=city, scheme=scheme, period="2026-11") for scheme in schemes]
    for many, one in zip(together, alone, strict=True):
        assert (many.considered, many.qualified) == (one.considered, one.qualified)
        assert _rows(many) == _rows(one)
    assert [run.considered for run in together] == [6, 6, 6, 6, 5]
    assert len({rows[2] for run in together for rows in _rows(run).values()}) > 3  # the schemes differ
    # A district officer's runs: their district's workers only, the same as one at a time.
    officer = factories.user(Role.DISTRICT_ADMIN, district=workers[0].district)
    mine = services.run_eligibility_many(actor=officer, schemes=schemes[:2], period="2026-12")
    for run, scheme in zip(mine, schemes[:2], strict=True):
        assert elsewhere.pk not in _rows(run)
        assert _rows(run) == _rows(services.run_eligibility(actor=officer, scheme=scheme, period="2026-12"))


def test_it_offers_the_earliest_unpaid_tranche_first():
    city = factories.city_admin()
    start = TODAY().replace(year=TODAY().year - 4) - datetime.timedelta(days=1)
    worker = factories.worker(actor=city, start=start, education="college")
    scheme = _scheme(city, kind="entry", amounts={"college": 40000}, tranches=[[3, 30], [4, 30], [5, 40]])

    def run_and_pay(period):
        run = services.run_eligibility(actor=city, scheme=scheme, period=period)
        row = Eligibility.objects.get(run=run, worker=worker)
        services.approve_all(actor=city, run=run)
        return row, services.pay(actor=city, run=run)

    # Four years in: tranche 2 is reached, but tranche 1 was never paid, so tranche 1 comes first.
    row, batch = run_and_pay("2026-11")
    assert (row.payment_key, row.amount, row.qualifies, batch.paid_count) == (
        "t1",
        Decimal("12000.00"),
        True,
        1,
    )
    row, batch = run_and_pay("2026-12")
    assert (row.payment_key, batch.paid_count) == ("t2", 1)
    # Every tranche reached is paid: the latest is offered and skipped by the batch as paid before.
    row, batch = run_and_pay("2027-01")
    assert (row.payment_key, batch.paid_count, batch.skipped_count) == ("t2", 0, 1)
    # A reversed tranche is unpaid again and offered before later ones.
    services.reverse(actor=city, payment=Payment.objects.get(worker=worker, payment_key="t1"), reason="重发")
    row, batch = run_and_pay("2027-02")
    assert (row.payment_key, batch.paid_count) == ("t1", 1)


def test_district_officer_sees_and_reviews_only_their_rows_of_a_city_wide_run(client):
    city = factories.city_admin()
    yuzhong = factories.worker(actor=city, name="渝中甲")
    jiangbei = factories.worker(
        actor=city, name="江北乙", at=factories.institution(actor=city, district_code="500105")
    )
    for worker in (yuzhong, jiangbei):
        ft.certificate(worker, level="intermediate", actor=city)
    run = services.run_eligibility(actor=city, scheme=_scheme(city), period="2026-11")
    assert run.district_id is None and run.qualified == 2
    officer = factories.user(Role.DISTRICT_ADMIN, district=yuzhong.district)
    assert selectors.run_get(officer, run.pk) == run
    assert [e.worker_id for e in selectors.results_of(officer, run)] == [yuzhong.pk]
    other = Eligibility.objects.get(run=run, worker=jiangbei)
    with pytest.raises(Http404):
        selectors.eligibility_get(officer, other.pk)
    with pytest.raises(Http404):
        services.decide(actor=officer, eligibility=other, approve=True)
    with pytest.raises(Http404):
        services.objection_raise(actor=officer, eligibility=other, text="不在岗")
    assert services.approve_all(actor=officer, run=run) == 1
    assert Eligibility.objects.get(pk=other.pk).decision == "pending"
    with pytest.raises(ValidationError) as info:
        services.pay(actor=officer, run=run)
    assert "run" in info.value.message_dict
    services.approve_all(actor=city, run=run)
    batch = services.pay(actor=city, run=run)
    rows = list(load_workbook(sheets.batch_book(officer, batch)).active.iter_rows(values_only=True))
    assert [r[2] for r in rows[1:]] == ["渝中甲"]
    client.force_login(officer)
    notice = client.get(f"/incentives/runs/{run.pk}/notice/").content.decode()
    assert "渝*甲" in notice and "江*乙" not in notice
    page = client.get(f"/incentives/batches/{batch.pk}/").content.decode()
    assert "渝中甲" in page and "江北乙" not in page
    foreign = Payment.objects.get(worker=jiangbei)
    assert client.get(f"/incentives/runs/{run.pk}/").status_code == 200
    with pytest.raises(Http404):
        selectors.payment_get(officer, foreign.pk)
    # Another district's own run stays out of sight.
    jiangbei_officer = factories.user(Role.DISTRICT_ADMIN, district=jiangbei.district)
    own = services.run_eligibility(actor=jiangbei_officer, scheme=_scheme(city), period="2026-12")
    with pytest.raises(Http404):
        selectors.run_get(officer, own.pk)


def test_the_payment_sheet_keeps_its_columns_masking_and_escaping():
    city = factories.city_admin()
    first = factories.worker(actor=city, name="=HYPERLINK(1)")
    second = factories.worker(actor=city, at=first.institution, name="周六")
    for worker in (first, second):
        ft.certificate(worker, level="intermediate", actor=city)
    run = services.run_eligibility(actor=city, scheme=_scheme(city, code="post-x"), period="2026-11")
    services.approve_all(actor=city, run=run)
    batch = services.pay(actor=city, run=run)
    empty = services.pay(actor=city, run=run)  # everything paid before: an empty batch keeps its headers
    paid = Payment.objects.get(worker=second)
    reversal = services.reverse(actor=city, payment=paid, reason="金额有误")
    sheet = load_workbook(sheets.batch_book(city, batch)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[0] == (
        "发放编号",
        "人员编号",
        "名称",
        "身份证号码",
        "区县",
        "补贴方案",
        "批次或期间",
        "金额（元）",
        "冲正的发放编号",
        "查看理由",
    )
    by_worker = {r[1]: r for r in rows[1:3]}
    assert by_worker[first.pk][2] == "'=HYPERLINK(1)"  # text, never a formula
    assert by_worker[first.pk][3] == f"{first.id_region}{'*' * 12}"
    assert by_worker[second.pk][4:8] == ("渝中区", "post-x", "2026-11", 800)
    assert (
        rows[3][0] == reversal.pk
        and rows[3][7] == -800
        and rows[3][8] == paid.pk
        and rows[3][9] == "金额有误"
    )
    assert sheet.freeze_panes == "A2" and sheet["A1"].font.b
    assert list(load_workbook(sheets.batch_book(city, empty)).active.iter_rows(values_only=True)) == [rows[0]]
