"""The credit score (factors, versions, history, bulk recompute), the dishonesty list and the hire warning."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.core.management import call_command
from django.http import Http404
from django.urls import reverse

from careforce.core.models import AuditEvent, District, Role
from careforce.credit import compute, services
from careforce.credit.models import (
    CreditBand,
    CreditFactor,
    CreditRule,
    CreditScore,
    CreditScoreHistory,
    HireOverride,
    Notification,
    PreEmploymentCheck,
)
from careforce.registry import services as registry
from tests import factories
from tests import factories_conduct as fc

pytestmark = pytest.mark.django_db


@pytest.fixture
def worker(city, home):
    return factories.worker(at=home, actor=city, name="张三丰")


def score(worker) -> float:
    return float(CreditScore.objects.get(worker=worker).score)


def test_every_conduct_change_recomputes_the_score_in_its_transaction(city, worker):
    services.credit_recompute_workers([worker.pk])
    start = score(worker)
    fc.evaluation(actor=city, worker=worker, score=5)
    assert score(worker) == pytest.approx(start + 10)
    fc.substantiated_complaint(actor=city, worker=worker)
    assert score(worker) == pytest.approx(start + 5)
    fc.penalty(actor=city, worker=worker, kind="warning")
    assert score(worker) == start
    fc.listing(actor=city, worker=worker)
    assert score(worker) == pytest.approx(start - 30)
    row = CreditScore.objects.get(worker=worker)
    assert (
        row.rule.version == 1 and row.dishonesty_listed and row.complaints == 1 and row.penalty_warning == 1
    )


def test_history_grows_only_when_the_score_changes(city, worker):
    services.credit_recompute_workers([worker.pk])
    services.credit_recompute_workers([worker.pk])
    services.credit_recompute_all()
    assert CreditScoreHistory.objects.filter(worker=worker).count() == 1
    fc.evaluation(actor=city, worker=worker, score=3)  # neutral: the count changes, the score does not
    assert CreditScoreHistory.objects.filter(worker=worker).count() == 1
    assert CreditScore.objects.get(worker=worker).evaluation_count == 1
    fc.evaluation(actor=city, worker=worker, score=5)
    assert CreditScoreHistory.objects.filter(worker=worker).count() == 2


def test_the_explanation_adds_up_to_the_score(city, worker):
    fc.evaluation(actor=city, worker=worker, score=4)
    fc.penalty(actor=city, worker=worker, kind="fine")
    from careforce.credit.selectors import explain

    explanation = explain(CreditScore.objects.get(worker=worker))
    total = explanation.rule.base + sum(points for _f, _v, points in explanation.parts)
    assert round(total, 1) == float(explanation.score.score)
    assert {f.measure: p for f, _v, p in explanation.parts}["penalty_fine"] == -10


def test_a_new_rule_version_is_named_by_the_scores_it_produces(city, worker):
    services.credit_recompute_workers([worker.pk])
    old = CreditRule.objects.get(version=1)
    new = CreditRule.objects.create(version=2, name="v2", base_score=50)
    for f in old.factors.all():
        CreditFactor.objects.create(
            rule=new,
            measure=f.measure,
            weight=f.weight,
            min_points=f.min_points,
            max_points=f.max_points,
            window_years=f.window_years,
        )
    for b in old.bands.all():
        CreditBand.objects.create(rule=new, grade=b.grade, label=b.label, min_score=b.min_score)
    before = score(worker)
    services.credit_rule_activate(actor=city, rule=new)
    call_command("credit_recompute", verbosity=0)
    row = CreditScore.objects.get(worker=worker)
    assert row.rule_id == new.pk and float(row.score) == pytest.approx(before - 10)
    assert list(CreditScoreHistory.objects.filter(worker=worker).values_list("rule__version", flat=True)) == [
        2,
        1,
    ]


def test_only_the_city_puts_a_rule_in_force(city, home):
    head = factories.user(Role.DISTRICT_ADMIN, district=home.district)
    with pytest.raises(Http404):
        services.credit_rule_activate(actor=head, rule=CreditRule.objects.get())


def test_the_full_run_covers_every_worker_in_chunks(city, home):
    workers = [factories.worker(at=home, actor=city) for _ in range(5)]
    summary = services.credit_recompute_all(chunk_size=2)
    assert summary.workers == 5 and CreditScore.objects.count() == 5
    assert services.credit_recompute_all(chunk_size=2).changed == 0
    assert {w.pk for w in workers} == set(CreditScore.objects.values_list("worker_id", flat=True))


def test_the_recompute_costs_a_fixed_number_of_queries(city, home, django_assert_max_num_queries):
    workers = [factories.worker(at=home, actor=city) for _ in range(3)]
    services.credit_recompute_all()
    more = [factories.worker(at=home, actor=city) for _ in range(20)]
    with django_assert_max_num_queries(20):
        services.credit_recompute_workers([w.pk for w in workers + more])


def test_removal_on_application_waits_for_the_minimum_period(city, worker):
    listing = fc.listing(
        actor=city, worker=worker, start_date=datetime.date.today() - datetime.timedelta(days=365)
    )
    with pytest.raises(ValidationError) as exc:
        services.listing_remove(
            actor=city,
            listing=listing,
            data={"removal_applied_on": datetime.date.today(), "removal_reason": "已整改"},
        )
    assert "removal_applied_on" in exc.value.message_dict
    listing.start_date = datetime.date.today() - datetime.timedelta(days=2 * 366)
    listing.save()
    services.listing_remove(
        actor=city,
        listing=listing,
        data={"removal_applied_on": datetime.date.today(), "removal_reason": "已整改"},
    )
    listing.refresh_from_db()
    assert listing.removed_on and not listing.is_active
    assert not CreditScore.objects.get(worker=worker).dishonesty_listed
    assert (
        AuditEvent.objects.filter(object_type="credit.dishonestylisting", object_id=listing.pk).count() == 2
    )


def test_employing_a_listed_worker_needs_a_reason_and_notifies_the_district(city, worker):
    fc.listing(actor=city, worker=worker)
    jiangbei_home = factories.institution(actor=city, district_code="500105")
    data = {
        "institution": jiangbei_home.pk,
        "post": "护理员",
        "start_date": datetime.date.today(),
        "is_part_time": True,
    }
    with pytest.raises(ValidationError) as exc:
        registry.employment_start(actor=city, worker=worker, data=data)
    assert exc.value.error_dict["override_reason"][0].code == "dishonesty_listed"
    assert not Notification.objects.exists()
    registry.employment_start(
        actor=city, worker=worker, data={**data, "override_reason": "已核实，仅从事后勤"}
    )
    override = HireOverride.objects.get()
    assert override.institution == jiangbei_home and override.action == "employment"
    assert Notification.objects.get().district_id == jiangbei_home.district_id


def test_a_transfer_of_a_listed_worker_is_warned_too(city, worker):
    fc.listing(actor=city, worker=worker)
    other = factories.institution(actor=city, district_code="500103")
    data = {"institution": other.pk, "post": "护理员", "start_date": datetime.date.today()}
    with pytest.raises(ValidationError):
        registry.worker_transfer(actor=city, worker=worker, data=data)
    assert worker.employments.count() == 1
    registry.worker_transfer(actor=city, worker=worker, data={**data, "override_reason": "区县同意试用"})
    assert HireOverride.objects.get().action == "transfer"


def test_the_transfer_page_warns_and_shows_the_score(client, city, worker):
    fc.listing(actor=city, worker=worker)
    other = factories.institution(actor=city, district_code="500103")
    client.force_login(city)
    url = reverse("registry:worker_transfer", args=[worker.pk])
    page = client.get(url).content.decode()
    assert 'id="credit-badge"' in page
    response = client.post(
        url, {"institution": other.pk, "post": "护理员", "start_date": datetime.date.today().isoformat()}
    )
    assert response.status_code == 200 and "override_reason" in response.content.decode()


def test_the_pre_employment_check_answers_listed_or_not_and_is_logged(city, home, worker):
    head = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    number = worker.reveal_id_number()
    assert services.pre_employment_check(actor=head, id_number=number).listed is False
    fc.listing(actor=city, worker=worker)
    check = services.pre_employment_check(actor=head, id_number=f" {number.lower()} ")
    assert check.listed is True and check.id_masked == worker.id_number_masked and check.institution == home
    assert PreEmploymentCheck.objects.count() == 2
    with pytest.raises(ValidationError) as exc:
        services.pre_employment_check(actor=head, id_number="123")
    assert "id_number" in exc.value.message_dict
    with pytest.raises(Http404):
        services.pre_employment_check(actor=factories.user(Role.AUDITOR), id_number=number)


def test_district_notifications_are_for_that_district(client, city, worker):
    fc.listing(actor=city, worker=worker)
    registry.employment_start(
        actor=city,
        worker=worker,
        data={
            "institution": worker.institution_id,
            "post": "兼职",
            "start_date": datetime.date.today(),
            "is_part_time": True,
            "override_reason": "原单位兼职",
        },
    )
    yuzhong = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))
    jiangbei = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    client.force_login(yuzhong)
    assert "张三丰" in client.get(reverse("credit:notifications")).content.decode()
    note = Notification.objects.get()
    client.post(reverse("credit:notifications_read"), {"id": [note.pk]})
    note.refresh_from_db()
    assert note.read_at is not None
    client.force_login(jiangbei)
    assert "张三丰" not in client.get(reverse("credit:notifications")).content.decode()


def test_years_back_handles_29_february():
    assert compute.years_back(datetime.date(2024, 2, 29), 1) == datetime.date(2023, 2, 28)


def test_a_rule_version_that_scored_anyone_cannot_be_deleted(worker):
    """The score tables carry no database constraint on the rule (derived rows, see the models): Django's
    PROTECT still refuses to delete a rule a score or a history row names."""
    from django.db.models import ProtectedError

    services.credit_recompute_workers([worker.pk])
    rule = CreditRule.objects.get(is_active=True)
    assert CreditScoreHistory.objects.filter(rule=rule, worker=worker).exists()
    with pytest.raises(ProtectedError):
        rule.delete()
    CreditScore.objects.all().delete()
    with pytest.raises(ProtectedError):  # the history alone still protects it
        rule.delete()
