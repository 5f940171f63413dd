"""/api/v1/training/…: sessions, enrolments and completions, person-times, 领雁 coverage. Thin callers of the
training selectors and services."""

from __future__ import annotations

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.responses import Status

from careforce.core.api import paginate
from careforce.core.api_auth import SELF_SERVICE_AUTH
from careforce.core.models import Role
from careforce.core.schemas import (
    ERROR_RESPONSES,
    READ_RESPONSES,
    DateText,
    DistrictRef,
    Flag,
    Id,
    IdOrCode,
    InputSchema,
    PageIn,
    QueryDate,
    QueryText,
    Text,
)
from careforce.core.scope import scope_of
from careforce.registry.selectors import worker_get
from careforce.training import selectors, services
from careforce.training.models import Lesson

router = Router(tags=["training"])


class CourseOut(Schema):
    id: int
    title: str
    tier: str = Field(description="city, district or institution")
    kind: str = Field(description="pre_job, in_service, transfer, heads or online")
    organiser_district_id: int | None
    organiser_institution_id: int | None
    hours: Decimal
    modules: list[str]

    @staticmethod
    def resolve_modules(obj) -> list[str]:
        return [m.code for m in obj.modules.all()]


class SessionOut(Schema):
    id: int
    course: CourseOut
    start_date: datetime.date
    end_date: datetime.date
    venue: str
    base_id: int | None
    capacity: int
    is_cancelled: bool


class SessionPage(Schema):
    items: list[SessionOut]
    next_cursor: str | None


class SessionFilters(PageIn):
    year: int | None = Field(None, ge=2000, le=2100)
    kind: QueryText = None


class ScheduleIn(InputSchema):
    # The course's fields and its first session's (a venue too, unless the course is online).
    required_fields = ("title", "kind", "hours", "start_date", "end_date", "capacity")

    title: Text = None
    kind: Text = None
    tier: Text = None
    organiser_district: IdOrCode = None
    organiser_institution: IdOrCode = None
    modules: list[Text] | None = None
    hours: Text = None
    description: Text = None
    lesson_min_minutes: IdOrCode = Field(
        None,
        description="Online courses: minutes each lesson must stay open before it counts (empty: derived from "
        "the hours, 45 minutes a class hour spread over the lessons; 0: none, deliberately)",
    )
    start_date: DateText = None
    end_date: DateText = None
    venue: Text = None
    base: IdOrCode = None
    capacity: IdOrCode = None


class CourseUpdateIn(InputSchema):
    title: Text = None
    hours: Text = None
    description: Text = None
    lesson_min_minutes: IdOrCode = Field(
        None,
        description="Online courses: minutes each lesson must stay open before it counts (empty: derived from "
        "the hours, 45 minutes a class hour spread over the lessons; 0: none, deliberately)",
    )
    modules: list[Text] | None = Field(None, description="Content module codes or names (the whole list)")


class EnrolIn(InputSchema):
    workers: list[Id] = Field(default_factory=list, max_length=5000, description="Worker record ids")
    institution: IdOrCode = Field(
        None, description="Every active worker of this institution (id or credit code)"
    )
    occupation: Text = Field(None, description="Only this occupation (code), or all of it in your area")
    listing: list[Text] = Field(
        default_factory=list, max_length=5000, description="Record numbers or full ID numbers"
    )


class EnrolOut(Schema):
    count: int = Field(description="Workers enrolled (those already on the session are skipped)")
    not_found: list[str] = Field(description="Lines of `listing` not found in your area")


class CompleteIn(InputSchema):
    required_fields = ("workers",)

    workers: list[Id] = Field(default_factory=list, max_length=5000)
    completed_on: DateText = None
    hours: Text = None
    exam_score: Text = None
    exam_passed: Flag = None


class SessionUpdateIn(InputSchema):
    start_date: DateText = None
    end_date: DateText = None
    venue: Text = None
    base: IdOrCode = Field(None, description="A training base id or name; null or empty: no base")
    capacity: IdOrCode = None
    is_cancelled: Flag = None


class AttendanceIn(InputSchema):
    required_fields = ("day",)

    day: DateText = None
    present: list[Id] = Field(default_factory=list, max_length=5000, description="Worker ids present")
    workers: list[Id] | None = Field(
        None,
        max_length=5000,
        description="Only these workers' register (the others present are absent); omitted: everyone enrolled",
    )


class AttendanceFilters(Schema):
    day: QueryDate | None = Field(None, description="Only this day (2025-05-01)")


class AttendanceOut(Schema):
    worker_id: int = Field(alias="enrolment.worker_id")
    day: datetime.date
    present: bool


class ResultIn(InputSchema):
    worker: Id
    completed_on: DateText = None
    hours: Text = None
    exam_score: Text = None
    exam_passed: Flag = None


class ResultsIn(InputSchema):
    required_fields = ("results",)

    completed_on: DateText = Field(None, description="For every row that gives none")
    results: list[ResultIn] = Field(default_factory=list, max_length=5000)


class BaseOut(Schema):
    id: int
    name: str
    kind: str = Field(description="training (培训基地) or practical (实习实训基地)")
    host: str
    district: DistrictRef
    accredited_on: datetime.date
    capacity: int
    address: str
    is_active: bool


class BasePage(Schema):
    items: list[BaseOut]
    next_cursor: str | None


class BaseIn(InputSchema):
    name: Text = None
    kind: Text = None
    host: Text = None
    district: IdOrCode = None
    accredited_on: DateText = None
    capacity: IdOrCode = None
    address: Text = None
    is_active: Flag = None


class BaseCreateIn(BaseIn):
    required_fields = ("name", "kind", "host", "district", "accredited_on", "capacity")


class LessonOut(Schema):
    id: int
    order: int
    title: str
    minutes: int
    content: str
    done: bool
    opened: bool = Field(description="Opened by the learner (the server stamped the time)")
    minutes_left: int = Field(description="Minutes the lesson must still stay open before it counts")


class ProgressOut(Schema):
    enrolment_id: int
    session_id: int
    course: str
    status: str = Field(description="enrolled, completed, not_completed or withdrawn")
    lesson_min_minutes: int = Field(
        description="Minimum minutes each lesson must stay open: the course's own, or its hours (45 minutes a "
        "class hour) spread over its lessons when it sets none (0: none, by the organiser's choice)"
    )
    done: int
    total: int
    lessons: list[LessonOut]


class OnlineSessionOut(Schema):
    session: SessionOut
    enrolment_id: int | None = Field(description="The caller's enrolment, once started")


class ProgressIn(InputSchema):
    required_fields = ("lesson",)

    lesson: Id | None = Field(None, description="The lesson done")


class EnrolmentOut(Schema):
    id: int
    session_id: int
    worker_id: int
    worker_name: str = Field(alias="worker.name")
    status: str = Field(description="enrolled, completed, not_completed or withdrawn")
    completed_on: datetime.date | None
    hours: Decimal
    exam_score: Decimal | None
    exam_passed: bool | None
    valid_until: datetime.date | None = Field(description="Last valid day of a kind that expires; else null")
    renews_id: int | None = Field(description="The earlier completion of the same kind this one renews")
    validity_status: str = Field(description="Stored: valid, suspended or revoked")
    status_today: str = Field(description="valid, expired, suspended or revoked (completions)")
    validity_changed_on: datetime.date | None
    validity_reason: str

    @staticmethod
    def resolve_status_today(obj) -> str:
        return obj.status_on(timezone.localdate())


class ValidityChangeIn(InputSchema):
    required_fields = ("reason",)

    reason: Text = None
    day: DateText = Field(None, description="Date of the suspension or revocation (default today)")


class ReinstateIn(InputSchema):
    required_fields = ("reason",)

    reason: Text = None


class ExpiringTrainingOut(Schema):
    id: int
    worker_id: int
    worker_name: str = Field(alias="worker.name")
    institution_id: int | None = Field(alias="worker.institution_id")
    course_id: int = Field(alias="session.course_id")
    course_title: str = Field(alias="session.course.title")
    course_kind: str = Field(alias="session.course.kind")
    completed_on: datetime.date
    valid_until: datetime.date


class ExpiringTrainingPage(Schema):
    items: list[ExpiringTrainingOut]
    next_cursor: str | None


class ExpiringIn(PageIn):
    days: int | None = Field(None, ge=0, le=3650, description="Within this many days (default 90)")


class CountOut(Schema):
    count: int


class DistrictFigure(Schema):
    district: DistrictRef
    person_times: int
    hours: Decimal


class PersonTimesOut(Schema):
    year: int
    total: int | None = Field(description="City-wide; null for district-scoped callers")
    target: Decimal | None
    districts: list[DistrictFigure]


class HeadOut(Schema):
    id: int
    name: str
    institution_id: int


class HeadGapOut(Schema):
    institution_id: int
    institution: str
    head: HeadOut | None = Field(description="The head recorded, if registered")
    head_pending_name: str
    reason: str = Field(description="not_recorded, not_registered, not_in_post or not_trained")

    @staticmethod
    def resolve_institution_id(obj) -> int:
        return obj["institution"].pk

    @staticmethod
    def resolve_institution(obj) -> str:
        return obj["institution"].name

    @staticmethod
    def resolve_head_pending_name(obj) -> str:
        return obj["institution"].head_pending_name


class CoverageRow(Schema):
    district: DistrictRef
    institutions: int = Field(description="Institutions of the district: each should have its head trained")
    trained: int = Field(description="Institutions whose head was trained this year (领雁 rule)")
    missing: list[HeadOut] = Field(description="Registered heads in post not yet trained")
    gaps: list[HeadGapOut] = Field(description="Every institution not counted as trained, with the reason")


class CoverageOut(Schema):
    year: int
    city_sessions: int
    districts: list[CoverageRow]


def _session(request: HttpRequest, session_id: int):
    return selectors.sessions_visible_to(request.auth).prefetch_related("course__modules").get(pk=session_id)


@router.get(
    "/training/sessions", response={200: SessionPage, **READ_RESPONSES}, summary="List training sessions"
)
def list_sessions(request: HttpRequest, filters: Query[SessionFilters]):
    qs = selectors.session_list(request.auth, selectors.SessionFilters(year=filters.year, kind=filters.kind))
    return paginate(qs.prefetch_related("course__modules"), limit=filters.limit, cursor=filters.cursor)


@router.get(
    "/training/sessions/{session_id}", response={200: SessionOut, **READ_RESPONSES}, summary="Get a session"
)
def get_session(request: HttpRequest, session_id: Id):
    selectors.session_get(request.auth, session_id)
    return _session(request, session_id)


@router.post(
    "/training/sessions",
    response={201: SessionOut, **ERROR_RESPONSES},
    summary="Schedule a course and session",
)
def create_session(request: HttpRequest, payload: ScheduleIn):
    session = services.schedule(actor=request.auth, data=payload.model_dump(exclude_none=True))
    return Status(201, _session(request, session.pk))


@router.patch(
    "/training/sessions/{session_id}",
    response={200: SessionOut, **ERROR_RESPONSES},
    summary="Change a session (dates, venue or base, capacity, cancelled)",
)
def update_session(request: HttpRequest, session_id: Id, payload: SessionUpdateIn):
    session = selectors.session_get(request.auth, session_id)
    services.session_update(actor=request.auth, session=session, data=payload.model_dump(exclude_unset=True))
    return _session(request, session_id)


@router.patch(
    "/training/courses/{course_id}",
    response={200: CourseOut, **ERROR_RESPONSES},
    summary="Correct a course (title, hours, description, content modules)",
)
def update_course(request: HttpRequest, course_id: Id, payload: CourseUpdateIn):
    course = selectors.course_get(request.auth, course_id)
    services.course_update(actor=request.auth, course=course, data=payload.model_dump(exclude_unset=True))
    return selectors.courses_visible_to(request.auth).prefetch_related("modules").get(pk=course_id)


@router.get(
    "/training/sessions/{session_id}/attendance",
    response={200: list[AttendanceOut], **READ_RESPONSES},
    summary="Attendance of a session (of one day when given)",
)
def list_attendance(request: HttpRequest, session_id: Id, filters: Query[AttendanceFilters]):
    session = selectors.session_get(request.auth, session_id)
    return list(selectors.attendance_of(request.auth, session, day=filters.day)[:20000])


@router.post(
    "/training/sessions/{session_id}/attendance",
    response={200: CountOut, **ERROR_RESPONSES},
    summary="Take a day's register (who was present)",
)
def record_attendance(request: HttpRequest, session_id: Id, payload: AttendanceIn):
    session = selectors.session_get(request.auth, session_id)
    count = services.attendance_record(
        actor=request.auth,
        session=session,
        day=payload.day,
        present_worker_ids=payload.present,
        worker_ids=payload.workers,
    )
    return {"count": count}


@router.post(
    "/training/sessions/{session_id}/results",
    response={200: CountOut, **ERROR_RESPONSES},
    summary="Record each worker's own result (hours, exam score, passed) in one go",
)
def record_results(request: HttpRequest, session_id: Id, payload: ResultsIn):
    session = selectors.session_get(request.auth, session_id)
    count = services.enrolments_record_results(
        actor=request.auth,
        session=session,
        results=[item.model_dump(exclude_none=True) for item in payload.results],
        completed_on=payload.completed_on,
    )
    return {"count": count}


@router.get(
    "/training/sessions/{session_id}/enrolments",
    response={200: list[EnrolmentOut], **READ_RESPONSES},
    summary="Enrolments of a session",
)
def list_enrolments(request: HttpRequest, session_id: Id):
    session = selectors.session_get(request.auth, session_id)
    return list(selectors.session_enrolments(request.auth, session)[:2000])


@router.post(
    "/training/sessions/{session_id}/enrolments",
    response={201: EnrolOut, **ERROR_RESPONSES},
    summary="Enrol workers (many at once: ids, an institution, an occupation, a list)",
)
def enrol(request: HttpRequest, session_id: Id, payload: EnrolIn):
    session = selectors.session_get(request.auth, session_id)
    workers = (
        list(services.eligible_workers(request.auth, session).filter(pk__in=payload.workers))
        if payload.workers
        else []
    )
    if len(workers) != len(set(payload.workers)):
        raise ValidationError(
            {"workers": [_("Some workers are outside your area or not staff of the organiser.")]}
        )
    more, missing = services.workers_to_enrol(
        request.auth,
        session,
        institution=payload.institution,
        occupation=payload.occupation,
        listing=[line for line in payload.listing if line],
    )
    rows = services.enrolments_create(actor=request.auth, session=session, workers=workers + more)
    return Status(201, {"count": len(rows), "not_found": missing})


@router.post(
    "/training/sessions/{session_id}/completions",
    response={200: CountOut, **ERROR_RESPONSES},
    summary="Record completions (hours, exam result) of enrolled workers",
)
def complete(request: HttpRequest, session_id: Id, payload: CompleteIn):
    session = selectors.session_get(request.auth, session_id)
    data = payload.model_dump(exclude_none=True, exclude={"workers"})
    count = services.enrolments_complete(
        actor=request.auth, session=session, worker_ids=payload.workers, data=data
    )
    return {"count": count}


@router.get(
    "/workers/{worker_id}/training",
    response={200: list[EnrolmentOut], **READ_RESPONSES},
    summary="A worker's training",
)
def worker_training(request: HttpRequest, worker_id: Id):
    worker = worker_get(request.auth, worker_id)
    return list(selectors.worker_training(worker)[:500])


@router.get(
    "/training/person-times",
    response={200: PersonTimesOut, **READ_RESPONSES},
    summary="Person-times of a year",
)
def person_times(request: HttpRequest, year: int = Query(None, ge=2000, le=2100)):
    figures = selectors.person_times(request.auth, year=year or timezone.localdate().year)
    return {
        "year": figures["year"],
        "total": figures["total"],
        "target": figures["target"],
        "districts": [{"district": d, "person_times": n, "hours": h} for d, n, h in figures["rows"]],
    }


@router.get(
    "/training/heads-coverage", response={200: CoverageOut, **READ_RESPONSES}, summary="领雁 coverage"
)
def heads_coverage(request: HttpRequest, year: int = Query(None, ge=2000, le=2100)):
    return selectors.heads_coverage(request.auth, year=year)


@router.get("/training/bases", response={200: BasePage, **READ_RESPONSES}, summary="List training bases")
def list_bases(request: HttpRequest, filters: Query[PageIn]):
    return paginate(selectors.bases_visible_to(request.auth), limit=filters.limit, cursor=filters.cursor)


@router.get(
    "/training/bases/{base_id}", response={200: BaseOut, **READ_RESPONSES}, summary="Get a training base"
)
def get_base(request: HttpRequest, base_id: Id):
    return selectors.base_get(request.auth, base_id)


@router.post(
    "/training/bases", response={201: BaseOut, **ERROR_RESPONSES}, summary="Register a training base"
)
def create_base(request: HttpRequest, payload: BaseCreateIn):
    base = services.training_base_register(actor=request.auth, data=payload.model_dump(exclude_none=True))
    return Status(201, selectors.base_get(request.auth, base.pk))


@router.patch(
    "/training/bases/{base_id}", response={200: BaseOut, **ERROR_RESPONSES}, summary="Change a training base"
)
def update_base(request: HttpRequest, base_id: Id, payload: BaseIn):
    base = selectors.base_get(request.auth, base_id)
    services.training_base_update(actor=request.auth, base=base, data=payload.model_dump(exclude_unset=True))
    return selectors.base_get(request.auth, base_id)


@router.post(
    "/training/enrolments/{enrolment_id}/withdraw",
    response={200: EnrolmentOut, **ERROR_RESPONSES},
    summary="Withdraw a worker from a session (a completion is taken out of the person-times)",
)
def withdraw_enrolment(request: HttpRequest, enrolment_id: Id):
    enrolment = selectors.enrolment_get(request.auth, enrolment_id)
    services.enrolment_withdraw(actor=request.auth, enrolment=enrolment)
    return selectors.enrolment_get(request.auth, enrolment_id)


@router.get(
    "/training/completions/expiring",
    response={200: ExpiringTrainingPage, **READ_RESPONSES},
    summary="Completed trainings whose validity ends soon and that no refresher renewed",
)
def expiring_completions(request: HttpRequest, filters: Query[ExpiringIn]):
    return paginate(
        selectors.expiring_completions(request.auth, days=filters.days),
        limit=filters.limit,
        cursor=filters.cursor,
    )


@router.post(
    "/training/enrolments/{enrolment_id}/suspend",
    response={200: EnrolmentOut, **ERROR_RESPONSES},
    summary="Suspend a completed training's validity (its organisers)",
)
def suspend_completion(request: HttpRequest, enrolment_id: Id, payload: ValidityChangeIn):
    enrolment = selectors.enrolment_get(request.auth, enrolment_id)
    services.completion_suspend(
        actor=request.auth, enrolment=enrolment, reason=payload.reason, day=payload.day
    )
    return selectors.enrolment_get(request.auth, enrolment_id)


@router.post(
    "/training/enrolments/{enrolment_id}/revoke",
    response={200: EnrolmentOut, **ERROR_RESPONSES},
    summary="Revoke a completed training's validity (its organisers)",
)
def revoke_completion(request: HttpRequest, enrolment_id: Id, payload: ValidityChangeIn):
    enrolment = selectors.enrolment_get(request.auth, enrolment_id)
    services.completion_revoke(
        actor=request.auth, enrolment=enrolment, reason=payload.reason, day=payload.day
    )
    return selectors.enrolment_get(request.auth, enrolment_id)


@router.post(
    "/training/enrolments/{enrolment_id}/reinstate",
    response={200: EnrolmentOut, **ERROR_RESPONSES},
    summary="Lift the suspension of a completed training",
)
def reinstate_completion(request: HttpRequest, enrolment_id: Id, payload: ReinstateIn):
    enrolment = selectors.enrolment_get(request.auth, enrolment_id)
    services.completion_reinstate(actor=request.auth, enrolment=enrolment, reason=payload.reason)
    return selectors.enrolment_get(request.auth, enrolment_id)


# ---------------------------------------------------------------- a worker's online courses (互联网+培训)


def _progress(request: HttpRequest, enrolment_id: int) -> dict:
    enrolment = selectors.enrolment_get(request.auth, enrolment_id)
    course = enrolment.session.course
    if not course.is_online:
        raise Http404
    done = set(enrolment.progress.values_list("lesson_id", flat=True))
    opened = set(enrolment.openings.values_list("lesson_id", flat=True))
    rows = list(course.lessons.all())
    minimum = services.lesson_minimum(course, lesson_count=len(rows))
    lessons = [
        {
            "id": x.pk,
            "order": x.order,
            "title": x.title,
            "minutes": x.minutes,
            "content": x.content,
            "done": x.pk in done,
            "opened": x.pk in opened,
            "minutes_left": (
                0 if x.pk in done else services.minutes_still_needed(enrolment, x, minimum=minimum)
            ),
        }
        for x in rows
    ]
    return {
        "enrolment_id": enrolment.pk,
        "session_id": enrolment.session_id,
        "course": course.title,
        "status": enrolment.status,
        "lesson_min_minutes": minimum,
        "done": len(done),
        "total": len(lessons),
        "lessons": lessons,
    }


@router.get(
    "/training/online",
    response={200: list[OnlineSessionOut], **READ_RESPONSES},
    summary="Online courses open to the calling worker, with their enrolment once started",
)
def online_sessions(request: HttpRequest):
    if request.auth.role != Role.WORKER:
        raise Http404
    sessions = selectors.online_sessions_open(request.auth).prefetch_related("course__modules")[:50]
    mine = {e.session_id: e.pk for e in selectors.enrolments_visible_to(request.auth)}
    return [{"session": s, "enrolment_id": mine.get(s.pk)} for s in sessions]


@router.post(
    "/training/sessions/{session_id}/start",
    auth=SELF_SERVICE_AUTH,
    response={201: ProgressOut, **ERROR_RESPONSES},
    summary="The calling worker starts an online course",
)
def start_online(request: HttpRequest, session_id: Id):
    session = selectors.session_get(request.auth, session_id)
    enrolment = services.online_enrol_self(actor=request.auth, session=session)
    return Status(201, _progress(request, enrolment.pk))


@router.get(
    "/training/enrolments/{enrolment_id}/progress",
    response={200: ProgressOut, **READ_RESPONSES},
    summary="An online enrolment's lessons and which are done",
)
def get_progress(request: HttpRequest, enrolment_id: Id):
    return _progress(request, enrolment_id)


@router.post(
    "/training/enrolments/{enrolment_id}/opened",
    auth=SELF_SERVICE_AUTH,
    response={200: ProgressOut, **ERROR_RESPONSES},
    summary="The learner opens a lesson (the server stamps the time its minimum study time runs from)",
)
def open_lesson(request: HttpRequest, enrolment_id: Id, payload: ProgressIn):
    enrolment = selectors.enrolment_get(request.auth, enrolment_id)
    if not services.may_record_progress(scope_of(request.auth), enrolment):
        raise Http404
    lesson = Lesson.objects.filter(course_id=enrolment.session.course_id, pk=payload.lesson or 0).first()
    if lesson is None:
        raise ValidationError({"lesson": [_("No such lesson in this course.")]})
    services.lesson_open(actor=request.auth, enrolment=enrolment, lesson=lesson)
    return _progress(request, enrolment_id)


@router.post(
    "/training/enrolments/{enrolment_id}/progress",
    auth=SELF_SERVICE_AUTH,
    response={200: ProgressOut, **ERROR_RESPONSES},
    summary="Mark one lesson done (the last one completes the course)",
)
def complete_lesson(request: HttpRequest, enrolment_id: Id, payload: ProgressIn):
    enrolment = selectors.enrolment_get(request.auth, enrolment_id)
    if not services.may_record_progress(scope_of(request.auth), enrolment):
        raise Http404
    lesson = Lesson.objects.filter(course_id=enrolment.session.course_id, pk=payload.lesson or 0).first()
    if lesson is None:
        raise ValidationError({"lesson": [_("No such lesson in this course.")]})
    services.lesson_complete(actor=request.auth, enrolment=enrolment, lesson=lesson)
    return _progress(request, enrolment_id)
