"""On PostgreSQL the recompute is one SQL statement (credit/compute_sql.py); it must give exactly what the
portable path (credit/compute.py, which calls the training and skills contract functions) gives."""

import datetime

import pytest
from django.db import connection
from django.utils import timezone

from careforce.credit import compute, sources
from careforce.credit.models import CreditScore
from careforce.registry import services as registry
from tests import factories
from tests import factories_conduct as fc

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.skipif(connection.vendor != "postgresql", reason="the SQL path is PostgreSQL's"),
]


def test_the_sql_path_stores_what_the_portable_path_computes(city, home):
    workers = [
        factories.worker(at=home, actor=city, start=datetime.date(2015 + i, 1 + i, 1)) for i in range(4)
    ]
    registry.employment_start(
        actor=city,
        worker=workers[0],
        data={
            "institution": home.pk,
            "post": "兼职",
            "start_date": datetime.date(2016, 5, 1),
            "is_part_time": True,
        },
    )
    fc.evaluation(
        actor=city,
        worker=workers[0],
        scores={"attitude": 5, "skill": 4, "punctuality": 4, "communication": 5, "hygiene": 4},
    )
    fc.evaluation(actor=city, worker=workers[0], score=3)
    fc.substantiated_complaint(actor=city, worker=workers[1])
    fc.penalty(actor=city, worker=workers[1], kind="fine")
    fc.penalty(actor=city, worker=workers[2], kind="trade_ban")
    fc.listing(actor=city, worker=workers[3])
    rule = compute.active_rule()
    ids = [w.pk for w in workers]
    measures = compute.gather(compute.Batch(ids), rule, timezone.localdate())
    expected = {pk: compute.row_for(rule, m) for pk, m in measures.items()}
    compute.recompute(ids)  # the SQL path on PostgreSQL
    stored = {
        row[0]: tuple(compute._normal(n, v) for n, v in zip(compute.ROW_FIELDS, row[1:], strict=True))
        for row in CreditScore.objects.filter(worker_id__in=ids).values_list("worker_id", *compute.ROW_FIELDS)
    }
    assert stored == expected


def test_training_and_skill_measures_match_the_contract_functions(city, home):
    workers = [factories.worker(at=home, actor=city) for _ in range(3)]
    ids = [w.pk for w in workers]
    compute.recompute(ids)
    hours = sources.training_hours(ids, since=compute.years_back(timezone.localdate(), 3))
    levels = sources.skill_levels(ids)
    for row in CreditScore.objects.filter(worker_id__in=ids):
        assert float(row.training_hours) == float(hours.get(row.worker_id, 0))
        assert row.skill_level == levels.get(row.worker_id, 0)


def test_years_of_service_count_overlapping_nested_and_adjacent_periods_once(city, home):
    """The SQL sweep (each period adds the days after the latest end before it) against the portable
    registry.tenure.years_of_service, on a history with every kind of overlap."""
    worker = factories.worker(at=home, actor=city, start=datetime.date(2020, 3, 1))
    periods = [
        ("2010-01-01", "2012-12-31", False),
        ("2013-01-01", "2013-06-30", False),  # adjacent to the one before
        ("2010-01-01", "2010-03-01", True),  # same start, inside
        ("2010-05-01", "2010-06-01", True),  # nested
        ("2011-06-01", "2014-02-28", True),  # overlaps two and runs past both
        ("2016-01-01", "2016-01-01", True),  # one day alone
        ("2019-12-01", None, True),  # open, overlapping the current full-time post
    ]
    for start, end, part_time in periods:
        registry.employment_start(
            actor=city,
            worker=worker,
            data={
                "institution": home.pk,
                "post": "兼职" if part_time else "护理员",
                "start_date": start,
                "end_date": end,
                "is_part_time": part_time,
                "end_reason": "离职" if end else "",
            },
        )
    single = factories.worker(at=home, actor=city, start=datetime.date(2024, 2, 29))
    rule = compute.active_rule()
    ids = [worker.pk, single.pk]
    measures = compute.gather(compute.Batch(ids), rule, timezone.localdate())
    compute.recompute(ids)
    stored = dict(CreditScore.objects.filter(worker_id__in=ids).values_list("worker_id", "years_of_service"))
    assert {pk: float(v) for pk, v in stored.items()} == {
        pk: m["years_of_service"] for pk, m in measures.items()
    }
    assert worker.employments.count() == 8 and stored[worker.pk] > 9
