"""careforce.skills.metrics: levels and the certification-rate counts, kept exact as records change."""

import datetime

import pytest

from careforce.registry.services import employment_end, worker_transfer, worker_update
from careforce.skills import metrics, services, tally
from careforce.skills.models import CertificationTally
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db


def test_it_has_the_ladder_ranks_of_the_contract():
    assert metrics.LADDER_RANKS["apprentice"] == 1
    assert metrics.LADDER_RANKS["chief_technician"] == 8
    assert metrics.COUNTED_MIN_RANK == 2


def test_it_gives_the_highest_valid_level(city, home):
    a = factories.worker(at=home, actor=city)
    b = factories.worker(at=home, actor=city)
    ft.certificate(a, level="junior")
    top = ft.certificate(a, level="senior")
    assert metrics.current_levels_for_workers([a.pk, b.pk]) == {a.pk: 4, b.pk: 0}
    services.certificate_revoke(actor=city, certificate=top, reason="考核舞弊")
    assert metrics.current_levels_for_workers([a.pk]) == {a.pk: 2}


def test_it_counts_certified_care_workers_by_the_rule(city, home):
    other = factories.institution(actor=city, district_code="500105")
    certified = factories.worker(at=home, actor=city)
    factories.worker(at=home, actor=city)  # a care worker without a certificate
    manager = factories.worker(at=home, actor=city, team="management", occupation="director")
    ft.certificate(certified)
    body = ft.evaluation_body()
    services.evaluation_range_set(
        actor=city, body=body, occupation="director", lowest="junior", highest="senior"
    )
    ft.certificate(manager, issuer=body, occupation="director")  # not a care worker: not counted
    assert metrics.certification_counts(by="institution", ids=[home.pk, other.pk]) == {
        home.pk: (1, 2),
        other.pk: (0, 0),
    }
    assert metrics.certification_counts(by="district")[home.district_id] == (1, 2)


def test_it_stays_exact_when_workers_move_leave_join_or_change_occupation(city, home):
    other = factories.institution(actor=city, district_code="500105")
    a = factories.worker(at=home, actor=city)
    b = factories.worker(at=home, actor=city)
    ft.certificate(a)
    worker_transfer(
        actor=city, worker=a, data={"institution": other.pk, "post": "护理员", "start_date": "2025-01-01"}
    )
    assert metrics.certification_counts(by="institution", ids=[home.pk, other.pk]) == {
        home.pk: (0, 1),
        other.pk: (1, 1),
    }
    employment_end(actor=city, employment=a.employments.get(end_date__isnull=True), end_date="2025-02-01")
    assert metrics.certification_counts(by="institution", ids=[other.pk]) == {other.pk: (0, 0)}
    worker_update(actor=city, worker=b, data={"team": "management", "occupation": "director"})
    assert metrics.certification_counts(by="institution", ids=[home.pk]) == {home.pk: (0, 0)}
    factories.worker(at=home, actor=city)
    assert metrics.certification_counts(by="district", ids=[home.district_id]) == {home.district_id: (0, 1)}
    before = list(CertificationTally.objects.order_by("pk").values_list("pk", "care_workers", "certified"))
    tally.rebuild_all()
    assert (
        list(CertificationTally.objects.order_by("pk").values_list("pk", "care_workers", "certified"))
        == before
    )


def test_it_refuses_an_unknown_grouping():
    with pytest.raises(ValueError):
        metrics.certification_counts(by="city")


def test_it_reads_in_one_query(city, home, django_assert_num_queries):
    a = factories.worker(at=home, actor=city)
    ft.certificate(a, issued_on=datetime.date(2024, 1, 2))
    with django_assert_num_queries(1):
        metrics.current_levels_for_workers([a.pk])
    with django_assert_num_queries(1):
        metrics.certification_counts(by="district")
