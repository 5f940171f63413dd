"""Contracts, insurance, subsidy schemes, eligibility runs (bit sets), notice and review, payments that are
never paid twice and never edited."""

from __future__ import annotations

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.http import Http404
from django.urls import reverse
from django.utils import timezone

from careforce.core.models import Role
from careforce.incentives import conditions, selectors, services
from careforce.incentives.models import Decision, Eligibility, Payment, Scheme
from careforce.registry.models import Employment
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate


def _scheme(city, **fields) -> Scheme:
    data = {
        "code": f"s{Scheme.objects.count()}",
        "name": "岗位津贴",
        "kind": "monthly_post",
        "amounts": {"2": 500, "4": 1000},
        "starts_on": datetime.date(2024, 1, 1),
        "notice_days": 0,
        **fields,
    }
    return services.scheme_create(actor=city, data=data)


def _approve_and_pay(city, run):
    services.approve_all(actor=city, run=run)
    return services.pay(actor=city, run=run)


def test_contract_sets_flag_and_term_and_lists_expiring():
    city = factories.city_admin()
    worker = factories.worker(actor=city)
    Employment.objects.filter(worker=worker).update(has_labour_contract=False)
    end = TODAY() + datetime.timedelta(days=30)
    contract = services.contract_add(
        actor=city,
        worker=worker,
        data={
            "contract_type": "fixed_term",
            "start_date": end.replace(year=end.year - 3) + datetime.timedelta(days=1),
            "end_date": end,
        },
    )
    assert contract.term_months == 36
    assert Employment.objects.get(worker=worker).has_labour_contract
    manager = factories.user(Role.INSTITUTION_ADMIN, institution=worker.institution)
    contracts, _covers = selectors.expiring(manager)
    assert list(contracts) == [contract]
    services.contract_renew(actor=city, contract=contract, data={"end_date": end.replace(year=end.year + 3)})
    contracts, _covers = selectors.expiring(manager)
    assert not contracts.exists()


def test_contract_bad_input_names_the_field():
    city = factories.city_admin()
    worker = factories.worker(actor=city)
    with pytest.raises(ValidationError) as info:
        services.contract_add(
            actor=city, worker=worker, data={"contract_type": "x", "start_date": "2026-01-01"}
        )
    assert "contract_type" in info.value.message_dict
    with pytest.raises(ValidationError) as info:
        services.contract_add(
            actor=city, worker=worker, data={"contract_type": "fixed_term", "start_date": "2026-13-01"}
        )
    assert "start_date" in info.value.message_dict


def test_cover_expiring_and_coverage_figures():
    city = factories.city_admin()
    worker = factories.worker(actor=city)
    other = factories.worker(actor=city, at=worker.institution, name="李四")
    services.cover_add(
        actor=city,
        worker=worker,
        data={
            "kind": "work_injury",
            "insurer": "人保财险 ",
            "start_date": TODAY() - datetime.timedelta(days=300),
            "end_date": TODAY() + datetime.timedelta(days=10),
        },
    )
    _contracts, covers = selectors.expiring(city)
    assert [c.worker_id for c in covers] == [worker.pk]
    assert covers[0].insurer == "人保财险"  # clean_free_text trims the edges only
    figures = selectors.district_figures(city)
    assert figures.care_workers == 2 and figures.with_insurance == 1 and figures.insurance_coverage == 50.0
    assert other.pk


def test_district_officer_cannot_touch_other_district_worker():
    city = factories.city_admin()
    jiangbei = factories.worker(actor=city, at=factories.institution(actor=city, district_code="500105"))
    officer = factories.user(Role.DISTRICT_ADMIN, district=factories.district("500103"))
    with pytest.raises(Http404):
        services.contract_add(
            actor=officer, worker=jiangbei, data={"contract_type": "open_ended", "start_date": "2025-01-01"}
        )


def test_eligibility_bits_explain_each_condition():
    city = factories.city_admin()
    skilled = factories.worker(actor=city, name="王五")
    ft.certificate(skilled, level="senior", actor=city)
    unskilled = factories.worker(actor=city, at=skilled.institution, name="赵六")
    services.contract_add(
        actor=city, worker=skilled, data={"contract_type": "open_ended", "start_date": "2020-03-01"}
    )
    scheme = _scheme(city, min_skill_rank=2, min_contract_years=3)
    run = services.run_eligibility(actor=city, scheme=scheme, period="2026-11")
    rows = {e.worker_id: e for e in Eligibility.objects.filter(run=run)}
    assert rows[skilled.pk].qualifies and rows[skilled.pk].amount == Decimal("1000")
    assert rows[skilled.pk].conditions_met == conditions.ALL_MET
    failed = rows[unskilled.pk]
    assert not failed.qualifies
    explained = dict(conditions.explain(failed.conditions_met))
    assert explained[str(conditions.CONDITIONS[3].label)] is False  # skill level
    assert explained[str(conditions.CONDITIONS[2].label)] is False  # contract
    assert explained[str(conditions.CONDITIONS[4].label)] is True  # not on the dishonesty list
    assert run.considered == 2 and run.qualified == 1


def test_entry_subsidy_tranche_by_years_and_education():
    city = factories.city_admin()
    start = TODAY().replace(year=TODAY().year - 4) - datetime.timedelta(days=1)
    worker = factories.worker(actor=city, start=start, education="college")
    scheme = _scheme(
        city,
        kind="entry",
        amounts={"college": 40000},
        tranches=[[3, 30], [4, 30], [5, 40]],
        exclude_public_institution=True,
    )
    run = services.run_eligibility(actor=city, scheme=scheme, period="2026-11")
    row = Eligibility.objects.get(run=run, worker=worker)
    # Tranche 2 is reached; tranche 1, never paid, is offered first (docs/incentives.md).
    assert (row.payment_key, row.amount, row.qualifies) == ("t1", Decimal("12000.00"), True)
    services.contract_add(
        actor=city, worker=worker, data={"contract_type": "public_institution", "start_date": start}
    )
    run = services.run_eligibility(actor=city, scheme=scheme, period="2026-12")
    assert not Eligibility.objects.get(run=run, worker=worker).qualifies


def test_tranches_must_add_up():
    city = factories.city_admin()
    with pytest.raises(ValidationError) as info:
        _scheme(city, kind="entry", amounts={"college": 1}, tranches=[[1, 30], [2, 30]])
    assert "tranches" in info.value.message_dict


def test_never_paid_twice_and_reversal_allows_repayment():
    city = factories.city_admin()
    worker = factories.worker(actor=city)
    ft.certificate(worker, level="junior", actor=city)
    scheme = _scheme(city, kind="one_off_skill", amounts={"2": 500})
    first = _approve_and_pay(city, services.run_eligibility(actor=city, scheme=scheme, period="2026-11"))
    assert (first.paid_count, first.total) == (1, Decimal("500"))
    second = _approve_and_pay(city, services.run_eligibility(actor=city, scheme=scheme, period="2026-12"))
    assert (second.paid_count, second.skipped_count) == (0, 1)
    payment = Payment.objects.get(batch=first)
    services.reverse(actor=city, payment=payment, reason="金额有误")
    third = _approve_and_pay(city, services.run_eligibility(actor=city, scheme=scheme, period="2027-01"))
    assert third.paid_count == 1
    net = sum(p.amount for p in Payment.objects.filter(worker=worker))
    assert net == Decimal("500")


def test_combination_group_pays_one_of_overlapping_schemes():
    city = factories.city_admin()
    worker = factories.worker(actor=city)
    ft.certificate(worker, level="junior", actor=city)
    city_scheme = _scheme(city, combination_group="post")
    district_scheme = _scheme(
        city,
        level="district",
        district=factories.district("500103"),
        combination_group="post",
        amounts={"*": 300},
    )
    _approve_and_pay(city, services.run_eligibility(actor=city, scheme=district_scheme, period="2026-11"))
    batch = _approve_and_pay(city, services.run_eligibility(actor=city, scheme=city_scheme, period="2026-11"))
    assert batch.paid_count == 0 and batch.skipped_count == 1
    other_month = _approve_and_pay(
        city, services.run_eligibility(actor=city, scheme=city_scheme, period="2026-12")
    )
    assert other_month.paid_count == 1
    assert worker.pk


def test_payments_refuse_update_and_delete():
    city = factories.city_admin()
    worker = factories.worker(actor=city)
    ft.certificate(worker, level="junior", actor=city)
    batch = _approve_and_pay(
        city, services.run_eligibility(actor=city, scheme=_scheme(city), period="2026-11")
    )
    payment = Payment.objects.get(batch=batch)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(amount=1)
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).delete()
    with pytest.raises(IntegrityError), transaction.atomic():
        Payment.objects.filter(pk=payment.pk).update(reversed=True, amount=1)


def test_notice_period_blocks_review_and_objection_must_be_answered():
    city = factories.city_admin()
    worker = factories.worker(actor=city)
    ft.certificate(worker, level="junior", actor=city)
    scheme = _scheme(city, notice_days=7)
    run = services.run_eligibility(actor=city, scheme=scheme, period="2026-11")
    row = Eligibility.objects.get(run=run)
    with pytest.raises(ValidationError):
        services.decide(actor=city, eligibility=row, approve=True)
    objection = services.objection_raise(actor=city, eligibility=row, text="此人已离职")
    run.notice_until = TODAY()
    run.save(update_fields=["notice_until"])
    row.refresh_from_db()
    with pytest.raises(ValidationError):
        services.decide(actor=city, eligibility=row, approve=True)
    assert services.approve_all(actor=city, run=run) == 0
    services.objection_answer(actor=city, objection=objection, answer="核实仍在岗")
    services.decide(actor=city, eligibility=row, approve=True)
    with pytest.raises(ValidationError) as info:
        services.decide(actor=city, eligibility=row, approve=False)
    assert "reason" in info.value.message_dict
    row.refresh_from_db()
    assert row.decision == Decision.APPROVED


def test_dishonest_worker_fails_condition():
    from careforce.credit.models import DishonestyListing, DishonestySituation

    city = factories.city_admin()
    worker = factories.worker(actor=city)
    ft.certificate(worker, level="junior", actor=city)
    DishonestyListing.objects.create(
        worker=worker,
        district=worker.district,
        situation=DishonestySituation.objects.first(),
        deciding_body="区民政局",
        start_date=TODAY() - datetime.timedelta(days=3),
    )
    run = services.run_eligibility(actor=city, scheme=_scheme(city), period="2026-11")
    row = Eligibility.objects.get(run=run)
    assert not row.qualifies and not row.conditions_met & conditions.BIT["not_dishonest"]


def test_pages_show_conditions_notice_masked_and_xlsx(client):
    import io

    from openpyxl import load_workbook

    city = factories.city_admin()
    worker = factories.worker(actor=city, name="欧阳明月")
    ft.certificate(worker, level="junior", actor=city)
    client.force_login(city)
    response = client.post(
        "/incentives/schemes/new/",
        {
            "code": "post-1",
            "name": "岗位津贴",
            "kind": "monthly_post",
            "amounts": '{"2": 500}',
            "starts_on": "2024-01-01",
            "notice_days": "0",
        },
    )
    scheme = Scheme.objects.get(code="post-1")
    assert response.status_code == 302
    bad = client.post(
        "/incentives/schemes/new/",
        {"code": "x", "name": "x", "kind": "monthly_post", "amounts": "{oops", "starts_on": "2024-01-01"},
        follow=True,
    )
    assert bad.status_code == 200 and "amounts" in bad.content.decode()
    run_page = client.post(
        f"/incentives/schemes/{scheme.pk}/run/", {"period": "2026-11"}, follow=True
    ).content.decode()
    assert "欧阳明月" in run_page and "✓" in run_page
    run = scheme.runs.get()
    notice = client.get(f"/incentives/runs/{run.pk}/notice/").content.decode()
    assert "欧**月" in notice and "欧阳明月" not in notice
    client.post(f"/incentives/runs/{run.pk}/approve/")
    batch_page = client.post(f"/incentives/runs/{run.pk}/pay/", follow=True)
    batch = run.batches.get()
    xlsx = client.get(f"/incentives/batches/{batch.pk}/payments.xlsx")
    sheet = load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][2] == "欧阳明月" and rows[1][7] == 500 and "*" in rows[1][3]
    assert batch_page.status_code == 200
    worker_page = client.get(reverse("registry:worker_detail", args=[worker.pk])).content.decode()
    assert "section-incentives" in worker_page


def test_api_results_explain_conditions(client):
    city = factories.city_admin()
    worker = factories.worker(actor=city)
    run = services.run_eligibility(actor=city, scheme=_scheme(city, min_skill_rank=2), period="2026-11")
    client.force_login(city)
    body = client.get(f"/api/v1/incentives/runs/{run.pk}/results").json()
    item = body["items"][0]
    assert item["worker_id"] == worker.pk and item["qualifies"] is False
    assert {c["met"] for c in item["conditions"]} == {True, False}
    created = client.post(
        f"/api/v1/incentives/workers/{worker.pk}/contracts",
        {"contract_type": "open_ended", "start_date": "2025-01-01"},
        content_type="application/json",
    )
    assert created.status_code == 201
    refused = client.post(
        f"/api/v1/incentives/workers/{worker.pk}/contracts",
        {"contract_type": "fixed_term"},
        content_type="application/json",
    )
    assert refused.status_code in (400, 422)


def _sheet(rows) -> bytes:
    import io

    from openpyxl import Workbook

    book = Workbook()
    for row in rows:
        book.active.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def test_contract_sheet_is_all_or_nothing_and_accepts_chinese_words(client):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from careforce.core import crypto
    from careforce.incentives.models import LabourContract

    city = factories.city_admin()
    worker = factories.worker(actor=city)
    id_number = crypto.decrypt(worker.id_number_encrypted, context=b"worker.id_number")
    client.force_login(city)
    header = ["身份证号", "合同类型", "开始日期", "终止日期"]
    bad = _sheet(
        [header, [id_number, "无固定期限", "2024-01-01", ""], [id_number, "临时工", "2024-01-01", ""]]
    )
    page = client.post(
        "/incentives/import/", {"kind": "contracts", "file": SimpleUploadedFile("c.xlsx", bad)}, follow=True
    ).content.decode()
    assert not LabourContract.objects.exists() and "3" in page
    good = _sheet([header, [id_number, "无固定期限", "2024-01-01", ""]])
    client.post("/incentives/import/", {"kind": "contracts", "file": SimpleUploadedFile("c.xlsx", good)})
    assert LabourContract.objects.get().contract_type == "open_ended"
