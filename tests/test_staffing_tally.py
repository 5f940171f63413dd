"""Staffing counting facts kept by the writes: after every write path they equal a recount from the registry
and a full rebuild; dates are cut at read time (confirmation age, insurance cover); the insurance condition
and the 事业单位 main-body rule are data."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils import timezone, translation

from careforce.core.models import District
from careforce.incentives import services as incentives
from careforce.institutions.models import Institution
from careforce.institutions.services import institution_update
from careforce.registry import completeness
from careforce.registry.models import Employment
from careforce.registry.services import (
    employment_end,
    employment_start,
    employment_update,
    worker_transfer,
    worker_update,
)
from careforce.registry.verification import worker_verify
from careforce.staffing import rules, selectors, services, tally
from careforce.staffing.models import CountedFact, FlowFact, RecordFact
from tests import factories

pytestmark = pytest.mark.django_db


def _facts() -> tuple[list, list, list]:
    counted = sorted(
        CountedFact.objects.values_list(
            "worker_id",
            "employment_id",
            "institution_id",
            "district_id",
            "post_id",
            "is_part_time",
            "is_care",
            "is_first",
            "cover_kind",
            "cover_start_date",
            "cover_end_date",
        ),
        key=repr,
    )
    records = sorted(RecordFact.objects.values_list(), key=repr)
    flows = sorted(FlowFact.objects.values_list(), key=repr)
    return counted, records, flows


def _agrees() -> None:
    """The facts kept by the writes equal a recount, and a full rebuild gives the same rows."""
    assert tally.differences() == []
    kept = _facts()
    tally.build()
    assert _facts() == kept


def test_every_write_path_keeps_the_facts_equal_to_a_recount_and_to_a_rebuild(city):
    a = factories.institution(actor=city, beds=120, residents_able=30)
    b = factories.institution(actor=city, district_code="500112", residents_able=15)
    worker = factories.worker(at=a, actor=city)  # registration
    other = factories.worker(at=a, actor=city, name="李四", team="professional", occupation="social_worker")
    assert CountedFact.objects.filter(worker_id=worker.pk).exists()
    _agrees()
    emp = worker.employments.get()
    employment_update(actor=city, employment=emp, data={"post": "社工", "is_part_time": True})  # post change
    _agrees()
    part = employment_start(
        actor=city,
        worker=other,
        data={"institution": b.pk, "post": "消防安全员", "start_date": "2024-05-01", "is_part_time": True},
    )
    _agrees()
    incentives.contract_add(  # a contract sets the current posts' labour-contract flag
        actor=city, worker=other, data={"contract_type": "open_ended", "start_date": "2024-05-01"}
    )
    assert rules.heads([b.pk])[b.pk].total == Decimal("0.5")
    _agrees()
    worker_update(actor=city, worker=worker, data={"team": "professional", "occupation": "social_worker"})
    _agrees()
    worker_verify(actor=city, worker=other, status="institution_confirmed")  # completeness: confirmation
    assert tally.record_shares()[a.pk].complete == 1
    _agrees()
    worker_transfer(
        actor=city,
        worker=worker,
        data={"institution": b.pk, "post": "护理员", "start_date": "2025-01-02", "has_labour_contract": True},
    )
    assert CountedFact.objects.filter(worker_id=worker.pk, institution_id=b.pk).exists()
    _agrees()
    employment_end(actor=city, employment=part, end_date="2025-02-01")
    _agrees()
    incentives.cover_add(
        actor=city,
        worker=other,
        data={"kind": "work_injury", "insurer": "人保", "start_date": "2025-01-01", "end_date": "2099-12-31"},
    )
    _agrees()
    # An institution moved to another district: its people's facts follow.
    institution_update(actor=city, institution=a, data={"district": District.objects.get(code="500112").pk})
    assert set(CountedFact.objects.filter(institution_id=a.pk).values_list("district_id", flat=True)) == {
        District.objects.get(code="500112").pk
    }
    _agrees()


def test_the_projections_flow_is_kept_by_the_writes_and_equals_a_recount(city):
    today = timezone.localdate()
    days = datetime.timedelta
    a = factories.institution(actor=city, district_code="500112")
    b = factories.institution(actor=city, district_code="500103")
    yubei, yuzhong = a.district_id, b.district_id
    carer = factories.worker(at=a, actor=city, start=today - days(30))  # a join in 渝北区
    assert tally.flows() == {yubei: (1, 0)} == tally.flows(recount=True)
    second = factories.worker(at=a, actor=city, name="李四", start=today - days(60))
    employment_end(actor=city, employment=second.employments.get(), end_date=today - days(1))
    assert tally.flows() == {yubei: (2, 1)}
    # Started before the window: a leave only.
    third = factories.worker(at=b, actor=city, name="赵六", start=today - days(800))
    assert yuzhong not in tally.flows()
    employment_end(actor=city, employment=third.employments.get(), end_date=today - days(10))
    assert tally.flows()[yuzhong] == (0, 1)
    # Part-time staff and other teams are not in the flow.
    employment_update(actor=city, employment=carer.employments.get(), data={"is_part_time": True})
    assert tally.flows()[yubei] == (1, 1)
    factories.worker(
        at=a, actor=city, name="王五", team="professional", occupation="social_worker", start=today - days(5)
    )
    assert tally.flows()[yubei] == (1, 1)
    # An institution moved to another district takes its joins and leaves with it.
    institution_update(actor=city, institution=a, data={"district": yuzhong})
    assert tally.flows() == {yuzhong: (1, 2)} == tally.flows(recount=True)
    _agrees()
    # The window is cut on the day read: later on, only the leave of yesterday is still inside it.
    later = today + days(tally.FLOW_DAYS - 5)
    assert tally.flows(later) == {yuzhong: (0, 1)} == tally.flows(later, recount=True)
    row = next(r for r in selectors.projection(city)["rows"] if r.district.pk == yuzhong)
    assert row.monthly_flow == Decimal("-0.04")  # (1 − 2) ÷ 24


def test_the_district_page_is_exact_right_after_a_change(city):
    inst = factories.institution(actor=city, district_code="500112", beds=10, residents_able=15)
    worker = factories.worker(at=inst, actor=city)
    district = inst.district_id
    before = selectors.district_detail(city, district)
    assert before["care"] == 1 and before["rows"][0].compliance.needs[0].counted == 1
    employment_end(actor=city, employment=worker.employments.get(), end_date="2025-01-01")
    after = selectors.district_detail(city, district)
    assert after["care"] == 0 and after["rows"][0].compliance.needs[0].counted == 0
    assert after["share"].total == 0


def test_a_confirmation_expires_without_a_write(city):
    inst = factories.institution(actor=city)
    worker = factories.worker(at=inst, actor=city)
    worker_verify(actor=city, worker=worker, status="institution_confirmed")
    today = timezone.localdate()
    for on in (today, today + datetime.timedelta(days=365), today + datetime.timedelta(days=366)):
        kept = tally.record_shares(on=on).get(inst.pk)
        assert kept == completeness.shares_by_institution(on=on).get(inst.pk)
    assert tally.record_shares(on=today)[inst.pk].complete == 1
    assert tally.record_shares(on=today + datetime.timedelta(days=366))[inst.pk].complete == 0


def test_insurance_is_a_counting_condition_when_the_settings_say_so(city):
    inst = factories.institution(actor=city, beds=10, residents_able=30)
    elsewhere = factories.institution(actor=city)
    insured, uninsured = (factories.worker(at=inst, actor=city, name=n) for n in ("甲", "乙"))
    cover = {"kind": "work_injury", "insurer": "人保", "start_date": "2025-01-01", "end_date": "2030-06-30"}
    incentives.cover_add(actor=city, worker=insured, data=cover)
    incentives.cover_add(actor=city, worker=uninsured, data={**cover, "kind": "accident"})
    # Insured by another institution, part-time here with a contract: that insurance does not count here.
    lent = factories.worker(at=elsewhere, actor=city, name="丙")
    incentives.cover_add(actor=city, worker=lent, data=cover)
    employment_start(
        actor=city,
        worker=lent,
        data={
            "institution": inst.pk,
            "post": "护理员",
            "start_date": "2025-01-01",
            "is_part_time": True,
            "has_labour_contract": True,
        },
    )
    assert rules.care_staffing([inst.pk])[inst.pk] == (Decimal("2.5"), 2)  # the condition is off by default
    services.settings_update(actor=city, data={"insurance_required": True})
    assert rules.care_staffing([inst.pk])[inst.pk] == (Decimal(1), 2)
    assert rules.heads(on=datetime.date(2030, 7, 1)).get(inst.pk) is None  # the cover has ended then
    services.settings_update(actor=city, data={"insurance_kind": "accident"})
    assert rules.care_staffing([inst.pk])[inst.pk] == (Decimal(1), 2)
    for on in (None, datetime.date(2030, 7, 1)):
        assert tally.differences(on=on) == []


def test_insurance_settings_are_checked(city):
    with pytest.raises(ValidationError) as caught:
        services.settings_update(actor=city, data={"insurance_kind": "pension"})
    assert "insurance_kind" in caught.value.message_dict


def test_a_public_service_unit_needs_professional_staff_as_the_main_body(city):
    public = factories.institution(actor=city, beds=20, is_public_service_unit=True)
    for name in ("甲", "乙", "丙"):
        factories.worker(at=public, actor=city, name=name)  # care staff, posts 养老护理员 (skilled)

    def main_body():
        _row, result, _required = rules.compliance(Institution.objects.filter(pk=public.pk))[public.pk]
        return next(n for n in result.needs if n.post == "professional and technical staff (the main body)")

    with translation.override("en"):
        need = main_body()
        assert (need.counted, need.required, need.short) == (0, 4, 4)  # 4 of 7 is more than half
        for name in ("丁", "戊", "己", "庚"):
            factories.worker(at=public, actor=city, name=name, team="professional", occupation="nurse")
        for emp in Employment.objects.filter(institution=public).filter(worker__team="professional"):
            employment_update(actor=city, employment=emp, data={"post": "护理"})
        assert main_body().short == 0
        services.settings_update(actor=city, data={"public_unit_professional_share": "60"})
        assert main_body().short == 1  # 5 of 8 is more than 60 %
    private = factories.institution(actor=city, beds=20)
    _row, result, _required = rules.compliance(Institution.objects.filter(pk=private.pk))[private.pk]
    assert all("main body" not in n.post for n in result.needs)


def test_the_rebuild_command_and_the_check(city, capsys):
    inst = factories.institution(actor=city)
    factories.worker(at=inst, actor=city)
    CountedFact.objects.all().delete()  # as after a bulk load that bypassed the services
    with pytest.raises(CommandError):
        call_command("staffing_check")
    call_command("staffing_rebuild")
    call_command("staffing_check")
    assert "agree" in capsys.readouterr().out


def _part_timer(city, inst, name):
    worker = factories.worker(at=inst, actor=city, name=name)
    employment_update(actor=city, employment=worker.employments.get(), data={"is_part_time": True})
    return worker


def test_the_overview_and_the_district_page_add_up_the_recount_with_a_fractional_weight_and_covers(city):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    yubei = factories.institution(actor=city, district_code="500112", beds=10, residents_able=15)
    other = factories.institution(actor=city, district_code="500112", beds=10, residents_able=40)
    factories.institution(actor=city, district_code="500103", beds=10, residents_able=5)
    part_timers = [_part_timer(city, yubei, n) for n in ("甲", "乙", "丙")]
    factories.worker(at=other, actor=city, name="丁")
    cover = {"kind": "work_injury", "insurer": "人保", "start_date": "2025-01-01", "end_date": "2030-06-30"}
    for worker in part_timers:
        incentives.cover_add(actor=city, worker=worker, data=cover)
    # Two current covers of the kind that counts: the person still counts once.
    incentives.cover_add(actor=city, worker=part_timers[0], data={**cover, "insurer": "太保"})
    services.settings_update(actor=city, data={"part_time_weight": "0.33"})

    def figures():
        overview = next(r for r in selectors.overview(city)["rows"] if r.district.code == "500112")
        page = selectors.district_detail(city, yubei.district_id)
        recount = rules.heads(recount=True)
        assert rules.heads() == recount
        return overview, page, recount

    overview, page, recount = figures()
    assert recount[yubei.pk].care == Decimal("0.99")  # 3 × 0.33, exact: 0.01 short of the one required
    assert page["care"] == overview.care == Decimal("1.99")
    assert page["shortfall"] == overview.shortfall and overview.shortfall["养老护理员"] == 1 + 2
    assert page["compliant"] == overview.compliant == 0 and overview.institutions == 2
    services.settings_update(actor=city, data={"insurance_required": True})
    overview, page, recount = figures()
    assert recount[yubei.pk].care == Decimal("0.99") and other.pk not in recount
    assert page["care"] == overview.care == Decimal("0.99")
    assert page["shortfall"] == overview.shortfall
    # A fixed number of queries, however many institutions.
    with CaptureQueriesContext(connection) as few:
        selectors.overview(city)
    for code in ("500112", "500103", "500105"):
        factories.institution(actor=city, district_code=code, beds=60, residents_able=9)
    with CaptureQueriesContext(connection) as more:
        selectors.overview(city)
    assert len(more) == len(few)
