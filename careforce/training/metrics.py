"""Aggregate reads other capabilities use (credit scores, rankings, indicators). NOT scoped by a user:
callers apply the actor's scope to the ids they pass and to what they show.

Definitions:
- a completion (一人次) is an enrolment with status `completed`; its year is the year of its completion date;
- it counts for the district of the worker's institution at the moment of completion (kept on the
  enrolment, so a later transfer does not move it);
- hours are the hours credited on the completion;
- 领雁 (heads' training), the one rule every page and the dashboard read (`heads_trained`): the policy asks
  each district to train every institution head of its area once a year (区县每年至少轮训辖区养老服务机构负责人
  一次). A head — the worker an institution names as its head (负责人) — counts as trained in a calendar
  year when they completed, in that year, a district-tier heads' course organised by the district of the
  institution they head. The city's own heads' course (at least one a year) is a separate figure.
"""

from __future__ import annotations

import datetime
from collections.abc import Iterable
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Sum

from careforce.registry.models import Worker
from careforce.training.models import CourseKind, Enrolment, EnrolmentStatus, Tier, TrainingTally

_CHUNK = 5000


def _chunks(ids: Iterable[int]) -> Iterable[list[int]]:
    unique = sorted({int(i) for i in ids})
    for start in range(0, len(unique), _CHUNK):
        yield unique[start : start + _CHUNK]


def training_hours_for_workers(
    worker_ids: Iterable[int], *, since: datetime.date | None = None
) -> dict[int, Decimal]:
    """Completed training hours per worker (completion date on or after `since`); workers with none are
    absent."""
    hours: dict[int, Decimal] = {}
    for chunk in _chunks(worker_ids):
        qs = Enrolment.objects.filter(worker_id__in=chunk, status=EnrolmentStatus.COMPLETED)
        if since is not None:
            qs = qs.filter(completed_on__gte=since)
        for worker_id, total in (
            qs.values("worker_id").annotate(total=Sum("hours")).values_list("worker_id", "total").order_by()
        ):
            if total:
                hours[worker_id] = Decimal(total)
    return hours


def training_person_times(*, year: int, district_ids: Iterable[int] | None = None) -> dict[int, int]:
    """Completions in `year` by district id (from the tally the completion services keep)."""
    qs = TrainingTally.objects.filter(year=year)
    wanted = None
    if district_ids is not None:
        wanted = {int(i) for i in district_ids}
        qs = qs.filter(district_id__in=wanted)
    counts = dict(qs.values_list("district_id", "completions"))
    if wanted is not None:
        for missing in wanted - counts.keys():
            counts[missing] = 0
    return counts


def training_hours_by_district(*, year: int) -> dict[int, Decimal]:
    return {
        d: Decimal(h) for d, h in TrainingTally.objects.filter(year=year).values_list("district_id", "hours")
    }


def trained_worker_ids(*, year: int, institution_ids: Iterable[int]) -> dict[int, set[int]]:
    """institution id → ids of its current staff (workers placed there and employed) with at least one
    completion in `year`. Every institution asked is present."""
    result: dict[int, set[int]] = {}
    for chunk in _chunks(institution_ids):
        for institution_id in chunk:
            result[institution_id] = set()
        staff = Worker.objects.filter(institution_id__in=chunk, is_active=True)
        rows = (
            Enrolment.objects.filter(
                status=EnrolmentStatus.COMPLETED, completed_year=year, worker__in=staff.values("pk")
            )
            .values_list("worker__institution_id", "worker_id")
            .distinct()
        )
        for institution_id, worker_id in rows:
            result[institution_id].add(worker_id)
    return result


def trained_worker_counts(*, year: int, institution_ids: Iterable[int] | None = None) -> dict[int, int]:
    """institution id → how many of its current staff have at least one completion in `year`: the size of
    each set `trained_worker_ids` gives (same definition: staff are the active workers whose current
    institution it is, so a worker counts once, for the institution they are placed at now, whatever
    other posts or earlier institutions they had), in one grouped query per 5,000 ids asked — or one
    query for every institution when `institution_ids` is None. With ids, every institution asked is
    present (0 when it has none); without, institutions with none are absent."""
    trained = Enrolment.objects.filter(
        worker_id=OuterRef("pk"), status=EnrolmentStatus.COMPLETED, completed_year=year
    )
    staff = Worker.objects.filter(is_active=True, institution_id__isnull=False).filter(Exists(trained))

    def grouped(qs) -> dict[int, int]:
        return dict(
            qs.order_by().values("institution_id").annotate(n=Count("id")).values_list("institution_id", "n")
        )

    if institution_ids is None:
        return grouped(staff)
    result: dict[int, int] = {}
    for chunk in _chunks(institution_ids):
        result.update(dict.fromkeys(chunk, 0))
        result.update(grouped(staff.filter(institution_id__in=chunk)))
    return result


def heads_trained(worker_ids: Iterable[int], *, year: int) -> set[int]:
    """The heads among `worker_ids` trained in `year` by the 领雁 rule (module docstring)."""
    trained: set[int] = set()
    for chunk in _chunks(worker_ids):
        trained.update(
            Enrolment.objects.filter(
                worker_id__in=chunk,
                status=EnrolmentStatus.COMPLETED,
                completed_year=year,
                session__course__kind=CourseKind.HEADS,
                session__course__tier=Tier.DISTRICT,
                worker__headed_institutions__district_id=F("session__course__organiser_district_id"),
            )
            .values_list("worker_id", flat=True)
            .distinct()
        )
    return trained


def head_trained_expression(year: int) -> Exists:
    """For a queryset of institutions: whether the institution's head is trained in `year` by the 领雁 rule
    (the same rule as `heads_trained`, asked per institution: a completed district-tier heads' course of
    that year organised by the institution's own district). An institution without a head has none."""
    return Exists(
        Enrolment.objects.filter(
            worker_id=OuterRef("head_id"),
            status=EnrolmentStatus.COMPLETED,
            completed_year=year,
            session__course__kind=CourseKind.HEADS,
            session__course__tier=Tier.DISTRICT,
            session__course__organiser_district_id=OuterRef("district_id"),
        )
    )
