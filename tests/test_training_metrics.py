"""careforce.training.metrics: the contract other capabilities read (hours, person-times, trained staff)."""

import datetime
from decimal import Decimal

import pytest

from careforce.registry.services import worker_transfer
from careforce.training import metrics, services
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db


def test_it_sums_completed_hours_per_worker(city, home):
    a = factories.worker(at=home, actor=city)
    b = factories.worker(at=home, actor=city)
    idle = factories.worker(at=home, actor=city)
    ft.completion(a, hours="8")
    ft.completion(
        a, session=ft.session(start_date=datetime.date(2024, 5, 1), end_date=datetime.date(2024, 5, 2))
    )
    ft.completion(b, exam_passed="不合格")  # failed: no hours
    hours = metrics.training_hours_for_workers([a.pk, b.pk, idle.pk])
    assert hours == {a.pk: Decimal("24.0")}
    assert metrics.training_hours_for_workers([a.pk], since=datetime.date(2025, 1, 1)) == {
        a.pk: Decimal("8.0")
    }


def test_it_counts_person_times_by_district_of_the_workplace_at_completion(city, home):
    jiangbei = factories.institution(actor=city, district_code="500105")
    a = factories.worker(at=home, actor=city)
    b = factories.worker(at=jiangbei, actor=city)
    session = ft.session()
    ft.completion(a, session=session)
    ft.completion(b, session=session)
    yuzhong_id, jiangbei_id = home.district_id, jiangbei.district_id
    assert metrics.training_person_times(year=2025) == {yuzhong_id: 1, jiangbei_id: 1}
    # A later transfer does not move last year's person-time.
    worker_transfer(
        actor=city, worker=a, data={"institution": jiangbei.pk, "post": "护理员", "start_date": "2025-06-01"}
    )
    assert metrics.training_person_times(year=2025, district_ids=[yuzhong_id, 1]) == {yuzhong_id: 1, 1: 0}
    # Withdrawing a completion takes it out again.
    services.enrolment_withdraw(actor=city, enrolment=session.enrolments.get(worker=b))
    assert metrics.training_person_times(year=2025)[jiangbei_id] == 0
    assert metrics.training_person_times(year=2024) == {}


def test_it_lists_current_staff_trained_in_the_year(city, home):
    other = factories.institution(actor=city)
    a = factories.worker(at=home, actor=city)
    b = factories.worker(at=home, actor=city)
    ft.completion(a)
    ft.completion(b)
    worker_transfer(
        actor=city, worker=b, data={"institution": other.pk, "post": "护理员", "start_date": "2025-06-01"}
    )
    assert metrics.trained_worker_ids(year=2025, institution_ids=[home.pk, other.pk]) == {
        home.pk: {a.pk},
        other.pk: {b.pk},
    }
    assert metrics.trained_worker_ids(year=2024, institution_ids=[home.pk]) == {home.pk: set()}


def test_it_answers_in_a_fixed_number_of_queries(city, home, django_assert_num_queries):
    workers = [factories.worker(at=home, actor=city) for _ in range(3)]
    for w in workers:
        ft.completion(w)
    ids = [w.pk for w in workers]
    with django_assert_num_queries(1):
        metrics.training_hours_for_workers(ids)
    with django_assert_num_queries(1):
        metrics.training_person_times(year=2025)
    with django_assert_num_queries(1):
        metrics.trained_worker_ids(year=2025, institution_ids=[home.pk])
