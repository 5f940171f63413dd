"""training.metrics.trained_worker_counts (what the ranking reads): the same definition as
trained_worker_ids, counted in the database. Hand-made staff: several completions, a transfer, a part-time
post elsewhere, a worker who left, a completion in another year, an enrolment not completed."""

import datetime

import pytest

from careforce.registry.services import employment_end, employment_start, worker_transfer
from careforce.training import metrics
from careforce.training import services as training_services
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db


@pytest.fixture
def staff(city, home):
    other = factories.institution(actor=city, district_code="500105", name="江北区康乐养老院")
    third = factories.institution(actor=city, district_code="500103", name="渝中区安康养老院")
    twice = factories.worker(at=home, actor=city, name="两次")
    ft.completion(twice)
    ft.completion(
        twice, session=ft.session(start_date=datetime.date(2025, 9, 1), end_date=datetime.date(2025, 9, 2))
    )
    moved = factories.worker(at=home, actor=city, name="调动")
    ft.completion(moved)
    worker_transfer(
        actor=city, worker=moved, data={"institution": other.pk, "post": "护理员", "start_date": "2025-06-01"}
    )
    part_time = factories.worker(at=home, actor=city, name="兼职")
    employment_start(
        actor=city,
        worker=part_time,
        data={
            "institution": third.pk,
            "post": "兼职护理员",
            "start_date": "2024-01-01",
            "is_part_time": True,
        },
    )
    ft.completion(part_time)
    left = factories.worker(at=other, actor=city, name="离职")
    ft.completion(left)
    employment_end(actor=city, employment=left.employments.get(), end_date=datetime.date(2025, 10, 31))
    last_year = factories.worker(at=home, actor=city, name="去年")
    ft.completion(
        last_year,
        session=ft.session(start_date=datetime.date(2024, 5, 1), end_date=datetime.date(2024, 5, 2)),
    )
    enrolled = factories.worker(at=third, actor=city, name="在读")
    training_services.enrolments_create(actor=city, session=ft.session(), workers=[enrolled])
    return home, other, third


def test_it_counts_what_trained_worker_ids_lists(staff):
    home, other, third = staff
    ids = [home.pk, other.pk, third.pk]
    for year in (2024, 2025, 2026):
        expected = {
            pk: len(workers)
            for pk, workers in metrics.trained_worker_ids(year=year, institution_ids=ids).items()
        }
        assert metrics.trained_worker_counts(year=year, institution_ids=ids) == expected
        # Every institution: the same figures, those with none left out.
        everyone = metrics.trained_worker_counts(year=year, institution_ids=None)
        assert everyone == {pk: n for pk, n in expected.items() if n}
    # The hand-made answer itself: twice once, the part-timer for home only, moved for its new home.
    assert metrics.trained_worker_counts(year=2025, institution_ids=ids) == {
        home.pk: 2,
        other.pk: 1,
        third.pk: 0,
    }
    assert metrics.trained_worker_counts(year=2024, institution_ids=ids) == {
        home.pk: 1,
        other.pk: 0,
        third.pk: 0,
    }


def test_it_answers_in_one_query(staff, django_assert_num_queries):
    home, other, third = staff
    with django_assert_num_queries(1):
        metrics.trained_worker_counts(year=2025, institution_ids=[home.pk, other.pk, third.pk])
    with django_assert_num_queries(1):
        metrics.trained_worker_counts(year=2025, institution_ids=None)
    with django_assert_num_queries(0):
        assert metrics.trained_worker_counts(year=2025, institution_ids=[]) == {}
