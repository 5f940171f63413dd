"""Reads of training, always through the actor's scope. Out of scope answers like not there (404)."""

from __future__ import annotations

import datetime
from dataclasses import dataclass
from decimal import Decimal

from django.conf import settings
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from careforce.core.models import District, User
from careforce.core.scope import Level, scope_of
from careforce.indicators import targets as targets_of
from careforce.institutions.models import Institution
from careforce.registry.models import Worker
from careforce.registry.selectors import workers_visible_to
from careforce.training import metrics
from careforce.training.models import (
    Attendance,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    Session,
    Tier,
    TrainingBase,
    ValidityStatus,
)


def courses_visible_to(user: User) -> QuerySet[Course]:
    """City courses are visible to every staff role; district and institution courses to their area.
    A worker sees the courses of sessions they are enrolled on, and online courses open to them."""
    scope = scope_of(user)
    qs = Course.objects.select_related("organiser_district", "organiser_institution")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(
            Q(tier=Tier.CITY)
            | Q(organiser_district_id=scope.district_id)
            | Q(organiser_institution__district_id=scope.district_id)
        )
    if scope.level == Level.INSTITUTION:
        district_id = user.institution.district_id
        return qs.filter(
            Q(tier=Tier.CITY)
            | Q(tier=Tier.DISTRICT, organiser_district_id=district_id)
            | Q(organiser_institution_id=scope.institution_id)
        )
    if scope.level == Level.SELF:
        worker = Worker.objects.only("district_id", "institution_id").get(pk=scope.worker_id)
        enrolled = Enrolment.objects.filter(session__course=OuterRef("pk"), worker_id=scope.worker_id)
        open_online = Q(kind=CourseKind.ONLINE) & (
            Q(tier=Tier.CITY)
            | Q(tier=Tier.DISTRICT, organiser_district_id=worker.district_id)
            | Q(organiser_institution_id=worker.institution_id)
        )
        return qs.filter(Exists(enrolled) | open_online)
    if scope.level == Level.BASE:
        held = Session.objects.filter(course=OuterRef("pk"), base_id=scope.training_base_id)
        return qs.filter(Exists(held))
    return qs.none()


def course_get(user: User, pk: object) -> Course:
    try:
        return courses_visible_to(user).get(pk=int(pk))
    except (Course.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def sessions_visible_to(user: User) -> QuerySet[Session]:
    qs = Session.objects.select_related(
        "course", "course__organiser_district", "course__organiser_institution", "base"
    )
    scope = scope_of(user)
    if scope.level == Level.BASE:
        # A base sees the sessions held at it, not the other runs of the same course.
        return qs.filter(base_id=scope.training_base_id)
    return qs.filter(course__in=courses_visible_to(user).values("pk"))


@dataclass(frozen=True)
class SessionFilters:
    year: int | None = None
    kind: str | None = None
    tier: str | None = None
    q: str = ""
    awaiting_results: bool = False  # over, not cancelled, someone on it still without a result


def session_list(user: User, filters: SessionFilters) -> QuerySet[Session]:
    qs = sessions_visible_to(user)
    if filters.year:
        qs = qs.filter(start_date__year=filters.year)
    if filters.kind:
        qs = qs.filter(course__kind=filters.kind)
    if filters.tier:
        qs = qs.filter(course__tier=filters.tier)
    if filters.q:
        qs = qs.filter(course__title__contains=filters.q)
    if filters.awaiting_results:
        waiting = Enrolment.objects.filter(session=OuterRef("pk"), status=EnrolmentStatus.ENROLLED)
        qs = qs.filter(Exists(waiting), end_date__lt=timezone.localdate(), is_cancelled=False)
    return qs.order_by("-start_date", "-id")


def online_sessions_open(user: User) -> QuerySet[Session]:
    """Online sessions the user sees that are not cancelled and not over (a worker's "my online courses")."""
    return sessions_visible_to(user).filter(
        course__kind=CourseKind.ONLINE, is_cancelled=False, end_date__gte=timezone.localdate()
    )


def my_online_courses(user: User, *, limit: int = 50) -> list[dict]:
    """A learner's online courses: those open now and those already started (finished ones included, so
    that progress still shows after completion), each with its enrolment and lessons done of total."""
    mine = {
        e.session_id: e
        for e in enrolments_visible_to(user)
        .filter(session__course__kind=CourseKind.ONLINE)
        .annotate(lessons_done=Count("progress", distinct=True))
    }
    sessions = (
        sessions_visible_to(user)
        .filter(Q(pk__in=list(mine)) | Q(pk__in=online_sessions_open(user).values("pk")))
        .annotate(lessons_total=Count("course__lessons", distinct=True))
        .order_by("-end_date", "-id")[:limit]
    )
    rows = []
    for session in sessions:
        enrolment = mine.get(session.pk)
        done = enrolment.lessons_done if enrolment else 0
        total = session.lessons_total
        rows.append(
            {
                "session": session,
                "enrolment": enrolment,
                "done": done,
                "total": total,
                "percent": round(100 * done / total) if total else 0,
                "completed": enrolment is not None and enrolment.status == EnrolmentStatus.COMPLETED,
                "open": not session.is_cancelled and session.end_date >= timezone.localdate(),
            }
        )
    return rows


def session_get(user: User, pk: object) -> Session:
    try:
        return sessions_visible_to(user).get(pk=int(pk))
    except (Session.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def enrolments_visible_to(user: User) -> QuerySet[Enrolment]:
    """An enrolment is seen by whoever sees its session's organiser or its worker."""
    scope = scope_of(user)
    qs = Enrolment.objects.select_related("worker", "session", "session__course")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.SELF:
        return qs.filter(worker_id=scope.worker_id)
    if scope.level == Level.BASE:
        return qs.filter(session__base_id=scope.training_base_id)
    if not scope.is_area:
        return qs.none()
    organised = Q(session__course__in=courses_visible_to(user).exclude(tier=Tier.CITY).values("pk"))
    return qs.filter(organised | Q(worker__in=workers_visible_to(user).values("pk")))


def enrolment_get(user: User, pk: object) -> Enrolment:
    try:
        return enrolments_visible_to(user).get(pk=int(pk))
    except (Enrolment.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def session_enrolments(user: User, session: Session) -> QuerySet[Enrolment]:
    """The enrolments of a session the actor sees: all of them for those who see the organiser's area;
    else only those of workers in the actor's scope."""
    return (
        enrolments_visible_to(user)
        .filter(session=session)
        .select_related("worker__institution", "worker__occupation")
        .order_by("worker__name", "id")
    )


def session_register(user: User, session: Session) -> QuerySet[Enrolment]:
    """The register: the session's enrolments the actor sees, withdrawn ones left out, each with the
    number of days present."""
    return (
        session_enrolments(user, session)
        .exclude(status=EnrolmentStatus.WITHDRAWN)
        .annotate(days_present=Count("attendance", filter=Q(attendance__present=True)))
    )


def session_days(session: Session) -> list:
    """The session's days, start to end (a register is taken per day)."""
    days = (session.end_date - session.start_date).days + 1
    return [session.start_date + datetime.timedelta(days=n) for n in range(days)]


def attendance_of(user: User, session: Session, *, day=None) -> QuerySet[Attendance]:
    """Attendance rows of the session's enrolments the actor sees (of one day, when given)."""
    qs = Attendance.objects.filter(
        enrolment__in=session_enrolments(user, session).values("pk")
    ).select_related("enrolment")
    if day is not None:
        qs = qs.filter(day=day)
    return qs.order_by("day", "enrolment__worker_id")


def attendance_by_day(user: User, session: Session) -> dict:
    """{day: (present, recorded)} over the enrolments the actor sees: one grouped query."""
    rows = (
        Attendance.objects.filter(enrolment__in=session_enrolments(user, session).values("pk"))
        .values("day")
        .annotate(present=Count("id", filter=Q(present=True)), recorded=Count("id"))
    )
    return {row["day"]: (row["present"], row["recorded"]) for row in rows}


def worker_training(worker: Worker) -> QuerySet[Enrolment]:
    """A worker's training history (the worker was fetched through a scoped selector)."""
    return (
        Enrolment.objects.filter(worker=worker)
        .select_related("session", "session__course")
        .order_by("-completed_on", "-id")
    )


def bases_visible_to(user: User) -> QuerySet[TrainingBase]:
    scope = scope_of(user)
    qs = TrainingBase.objects.select_related("district", "host_institution")
    if scope.level == Level.CITY:
        return qs
    if scope.level == Level.DISTRICT:
        return qs.filter(district_id=scope.district_id)
    if scope.level == Level.INSTITUTION:
        return qs.filter(district_id=user.institution.district_id)
    if scope.level == Level.BASE:
        return qs.filter(pk=scope.training_base_id)
    return qs.none()


def base_get(user: User, pk: object) -> TrainingBase:
    try:
        return bases_visible_to(user).get(pk=int(pk))
    except (TrainingBase.DoesNotExist, TypeError, ValueError):
        raise Http404 from None


def districts_in_scope(user: User) -> QuerySet[District]:
    scope = scope_of(user)
    if scope.level == Level.CITY:
        return District.objects.all()
    if scope.level == Level.DISTRICT:
        return District.objects.filter(pk=scope.district_id)
    return District.objects.none()


def person_times(user: User, *, year: int) -> dict:
    """Person-times and hours of the year: city-wide (city roles) and per district in scope, vs target."""
    districts = list(districts_in_scope(user))
    counts = metrics.training_person_times(year=year, district_ids=[d.pk for d in districts])
    hours = metrics.training_hours_by_district(year=year)
    rows = [(d, counts.get(d.pk, 0), hours.get(d.pk, Decimal(0))) for d in districts]
    scope = scope_of(user)
    total = sum(metrics.training_person_times(year=year).values()) if scope.is_city else None
    today = timezone.localdate()
    targets = targets_of.upcoming("training_person_times", today)
    return {"rows": rows, "total": total, "target": targets[0].value if targets else None, "year": year}


# ---------------------------------------------------------------- 领雁 (heads' training)


class HeadGap:
    """Why an institution is a gap on the 领雁 list."""

    NOT_RECORDED = "not_recorded"  # no head named
    NOT_REGISTERED = "not_registered"  # a name only, the person is not in the registry yet
    NOT_IN_POST = "not_in_post"  # the named head no longer holds a current post there
    NOT_TRAINED = "not_trained"  # registered and in post, not trained this year


HEAD_GAP_LABELS = {
    HeadGap.NOT_RECORDED: _("No head recorded"),
    HeadGap.NOT_REGISTERED: _("Head not yet registered"),
    HeadGap.NOT_IN_POST: _("The recorded head no longer works here"),
    HeadGap.NOT_TRAINED: _("Not yet trained this year"),
}


def heads_coverage(user: User, *, year: int | None = None) -> dict:
    """领雁 coverage by district: every institution is expected to have its head trained by its district
    this year (metrics.heads_trained, the one rule); an institution whose head is not recorded, not
    registered or not in post is itself a gap. Also whether the city ran its heads' course this year."""
    year = year or timezone.localdate().year
    districts = list(districts_in_scope(user))
    institutions = list(
        Institution.objects.filter(district__in=districts)
        .select_related("head")
        .order_by("district__sort_order", "name", "id")
    )
    heads = [
        i.head
        for i in institutions
        if i.head is not None and i.head.institution_id == i.pk and i.head.is_active
    ]
    trained = metrics.heads_trained([h.pk for h in heads], year=year)
    by_district: dict[int, dict] = {
        d.pk: {"district": d, "institutions": 0, "trained": 0, "missing": [], "gaps": []} for d in districts
    }
    for institution in institutions:
        row = by_district[institution.district_id]
        row["institutions"] += 1
        head = institution.head
        if head is None:
            reason = HeadGap.NOT_REGISTERED if institution.head_pending_name else HeadGap.NOT_RECORDED
        elif head.institution_id != institution.pk or not head.is_active:
            reason = HeadGap.NOT_IN_POST
        elif head.pk in trained:
            row["trained"] += 1
            continue
        else:
            reason = HeadGap.NOT_TRAINED
            row["missing"].append(head)
        row["gaps"].append(
            {"institution": institution, "head": head, "reason": reason, "label": HEAD_GAP_LABELS[reason]}
        )
    city_sessions = Session.objects.filter(
        course__kind=CourseKind.HEADS, course__tier=Tier.CITY, start_date__year=year, is_cancelled=False
    ).count()
    return {"year": year, "city_sessions": city_sessions, "districts": list(by_district.values())}


def heads_sessions_for(user: User, district_id: int, *, year: int) -> QuerySet[Session]:
    """Open district-tier heads' sessions of a district this year (where its untrained heads can go)."""
    return sessions_visible_to(user).filter(
        course__kind=CourseKind.HEADS,
        course__tier=Tier.DISTRICT,
        course__organiser_district_id=district_id,
        start_date__year=year,
        is_cancelled=False,
    )


def expiring_completions(
    user: User, *, days: int | None = None, today: datetime.date | None = None
) -> QuerySet[Enrolment]:
    """Completed trainings of the workers the user sees whose validity ends within `days` (default
    CAREFORCE_EXPIRY_NOTICE_DAYS) and that no later completion has renewed, soonest first."""
    scope = scope_of(user)
    if scope.level not in (Level.CITY, Level.DISTRICT, Level.INSTITUTION):
        return Enrolment.objects.none()
    today = today or timezone.localdate()
    until = today + datetime.timedelta(days=settings.CAREFORCE_EXPIRY_NOTICE_DAYS if days is None else days)
    return (
        Enrolment.objects.filter(
            worker__in=workers_visible_to(user).values("pk"),
            status=EnrolmentStatus.COMPLETED,
            validity_status=ValidityStatus.VALID,
            valid_until__gte=today,
            valid_until__lte=until,
            renewed_by__isnull=True,
        )
        .select_related("worker__institution", "session__course")
        .order_by("valid_until", "id")
    )
