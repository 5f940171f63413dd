"""Reads of vacancies, job seekers and hires, each scoped by the acting user.

The city sees everything; a district (administrator or auditor) its district's vacancies and job seekers;
an institution administrator its own vacancies and the job seekers who match one of them or whom it
hired. Workers and the platform's administrators see none. Out of scope answers like "does not exist".

Matching: a job seeker still seeking (consent not withdrawn) matches a live vacancy — open, not full,
closing date not passed — in the same district, for the same post (occupation), with at least the
vacancy's minimum education. Expiry is read, not written: a vacancy past its closing date stops matching
the next day without any job.
"""

from __future__ import annotations

import datetime
from collections import Counter
from typing import Any

from django.db.models import F, Q, QuerySet, Sum
from django.http import Http404
from django.utils import timezone

from careforce.core.models import District, User
from careforce.core.scope import Level, scope_of
from careforce.registry.models import SourceChannel
from careforce.vacancies.models import (
    EDUCATION_ORDER,
    Hire,
    JobSeeker,
    SeekerStatus,
    Vacancy,
    VacancyStatus,
)


def vacancies_visible_to(user: User) -> QuerySet[Vacancy]:
    scope = scope_of(user)
    qs = Vacancy.objects.select_related("institution", "district", "occupation")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    if scope.level == Level.INSTITUTION:
        return qs.filter(institution_id=scope.institution_id)
    return qs.none()


def vacancy_get(user: User, pk: object) -> Vacancy:
    try:
        return vacancies_visible_to(user).get(pk=int(pk))
    except (Vacancy.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def live_q(today: datetime.date) -> Q:
    return Q(status=VacancyStatus.OPEN, closing_date__gte=today, filled__lt=F("number"))


def is_live(vacancy: Vacancy, today: datetime.date | None = None) -> bool:
    today = today or timezone.localdate()
    return (
        vacancy.status == VacancyStatus.OPEN
        and vacancy.closing_date >= today
        and vacancy.filled < vacancy.number
    )


def shown_status(vacancy: Vacancy, today: datetime.date | None = None) -> str:
    """open / filled / closed as stored, or "expired" for an open one past its closing date."""
    today = today or timezone.localdate()
    if vacancy.status == VacancyStatus.OPEN and vacancy.closing_date < today:
        return "expired"
    return vacancy.status


def matches(vacancy: Vacancy, today: datetime.date | None = None) -> QuerySet[JobSeeker]:
    """The job seekers matching a vacancy (none when the vacancy is not live). Not scoped: the caller fetched
    the vacancy through the actor's scope, and the seekers it matches are shown to whoever sees it."""
    if not is_live(vacancy, today):
        return JobSeeker.objects.none()
    qs = JobSeeker.objects.select_related("district", "wanted_occupation").filter(
        status=SeekerStatus.SEEKING,
        consent_withdrawn_at__isnull=True,
        district_id=vacancy.district_id,
        wanted_occupation_id=vacancy.occupation_id,
    )
    if vacancy.min_education:
        qs = qs.filter(education__in=EDUCATION_ORDER[EDUCATION_ORDER.index(vacancy.min_education) :])
    return qs.exclude(hires__vacancy=vacancy).order_by("id")


def seekers_visible_to(user: User) -> QuerySet[JobSeeker]:
    scope = scope_of(user)
    qs = JobSeeker.objects.select_related("district", "wanted_occupation")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    if scope.level == Level.INSTITUTION:
        today = timezone.localdate()
        live = Vacancy.objects.filter(live_q(today), institution_id=scope.institution_id)
        matched = Q()
        for vacancy in live:
            condition = Q(district_id=vacancy.district_id, wanted_occupation_id=vacancy.occupation_id)
            if vacancy.min_education:
                index = EDUCATION_ORDER.index(vacancy.min_education)
                condition &= Q(education__in=EDUCATION_ORDER[index:])
            matched |= condition
        seeking = (
            Q(status=SeekerStatus.SEEKING, consent_withdrawn_at__isnull=True) & matched
            if matched
            else Q(pk__in=[])
        )
        hired = Q(hires__vacancy__institution_id=scope.institution_id)
        return qs.filter(seeking | hired).distinct()
    return qs.none()


def seeker_get(user: User, pk: object) -> JobSeeker:
    try:
        return seekers_visible_to(user).get(pk=int(pk))
    except (JobSeeker.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def vacancies_for_seeker(user: User, seeker: JobSeeker) -> list[Vacancy]:
    """The live vacancies (in the user's scope) the seeker matches."""
    today = timezone.localdate()
    return [
        v
        for v in vacancies_visible_to(user).filter(live_q(today))
        if matches(v, today).filter(pk=seeker.pk).exists()
    ]


def district_figures(user: User) -> list[dict[str, Any]]:
    """Per district in scope: live vacancies, posts still open in them, posts filled, and hires by key group."""
    today = timezone.localdate()
    vacancies = vacancies_visible_to(user)
    live = {
        row["district_id"]: row
        for row in vacancies.filter(live_q(today))
        .values("district_id")
        .annotate(posts=Sum("number"), taken=Sum("filled"))
    }
    live_counts = Counter(vacancies.filter(live_q(today)).values_list("district_id", flat=True))
    filled = {
        row["district_id"]: row["n"] for row in vacancies.values("district_id").annotate(n=Sum("filled"))
    }
    hires = Hire.objects.filter(vacancy__in=vacancies.values("pk"))
    groups: dict[int, Counter] = {}
    for district_id, channel in hires.values_list("district_id", "source_channel"):
        groups.setdefault(district_id, Counter())[channel] += 1
    district_ids = set(live_counts) | {d for d, n in filled.items() if n} | set(groups)
    labels = dict(SourceChannel.choices)
    out = []
    for district in District.objects.filter(pk__in=district_ids).order_by("sort_order", "code"):
        row = live.get(district.pk, {"posts": 0, "taken": 0})
        out.append(
            {
                "district_id": district.pk,
                "district": district.name,
                "open_vacancies": live_counts.get(district.pk, 0),
                "open_posts": (row["posts"] or 0) - (row["taken"] or 0),
                "filled": filled.get(district.pk) or 0,
                "by_group": [
                    {"source_channel": code, "label": str(labels[code]), "hires": n}
                    for code, n in sorted(groups.get(district.pk, Counter()).items())
                ],
            }
        )
    return out
