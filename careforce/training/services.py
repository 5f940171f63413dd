"""Writes for training: bases, courses and sessions, enrolment (one or many), attendance, completion, online
lessons and progress. Every page, API route and import row goes through these.

Who may organise: city-tier courses — the city administrator; district-tier — the city or that district's
administrator; institution-tier — the city, the institution's district, or the institution's own administrator.
A training base's account runs the sessions held at it (enrolments, registers, results; not the course).
Workers enrolled must be within the actor's scope (a base: the course's area); institution-tier sessions take
the institution's staff.
"""

from __future__ import annotations

import datetime
import math
from collections.abc import Iterable, Mapping, Sequence
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import F, Max, Q, QuerySet
from django.http import Http404
from django.utils import timezone
from django.utils.translation import gettext as _

from careforce.core import audit
from careforce.core.models import AuditAction, AuditEvent, District, Role, User
from careforce.core.scope import Level, Scope, require_write, scope_of
from careforce.core.validators import normalize_text
from careforce.institutions.models import Institution
from careforce.registry.models import Occupation, Worker
from careforce.registry.selectors import search_condition, workers_visible_to
from careforce.skills.models import valid_until
from careforce.training import inputs
from careforce.training.inputs import Errors
from careforce.training.models import (
    Attendance,
    BaseKind,
    ContentModule,
    Course,
    CourseKind,
    Enrolment,
    EnrolmentStatus,
    Lesson,
    LessonOpening,
    LessonProgress,
    Session,
    Tier,
    TrainingBase,
    TrainingSettings,
    TrainingTally,
    TrainingValidity,
    ValidityStatus,
)

MAX_HOURS = Decimal(2000)
BASE_FIELDS = ("name", "kind", "host", "district", "accredited_on", "capacity", "address", "is_active")
COURSE_FIELDS = ("title", "tier", "kind", "organiser_district", "organiser_institution", "hours")
SESSION_FIELDS = ("course", "start_date", "end_date", "venue", "base", "capacity", "is_cancelled")
ENROLMENT_FIELDS = (
    "status",
    "completed_on",
    "hours",
    "exam_score",
    "exam_passed",
    "valid_until",
    "renews",
    "validity_status",
    "validity_changed_on",
    "validity_reason",
)


# ---------------------------------------------------------------- who may organise what


def may_organise(scope: Scope, course: Course, session: Session | None = None) -> bool:
    """Whether an actor with `scope` may change this course, its sessions and its enrolments. A training base
    runs the sessions held at it (their enrolments, registers and results), not the course itself."""
    if not scope.can_write:
        return False
    if scope.level == Level.CITY:
        return True
    if scope.level == Level.BASE:
        if session is not None:
            return session.base_id == scope.training_base_id
        return base_owns_course(scope.training_base_id, course)
    if course.tier == Tier.DISTRICT:
        return scope.level == Level.DISTRICT and course.organiser_district_id == scope.district_id
    if course.tier == Tier.INSTITUTION:
        institution = course.organiser_institution
        if scope.level == Level.DISTRICT:
            return institution.district_id == scope.district_id
        return scope.level == Level.INSTITUTION and institution.pk == scope.institution_id
    return False


def base_owns_course(base_id: int | None, course: Course) -> bool:
    """A course is a training base's own when it has sessions and every one of them is held at the base:
    the base may then correct it, add lessons and schedule more sessions (at itself)."""
    sessions = Session.objects.filter(course=course)
    return sessions.exists() and not sessions.exclude(base_id=base_id).exists()


def _require_organiser(actor: User, course: Course, session: Session | None = None) -> Scope:
    scope = require_write(actor)
    if not may_organise(scope, course, session):
        raise Http404
    return scope


# ---------------------------------------------------------------- training bases


def _clean_base(actor: User, scope: Scope, data: Mapping[str, Any], *, instance: TrainingBase | None) -> dict:
    errors = Errors()
    new = instance is None
    values: dict[str, Any] = {}
    for name, length in (("name", 120), ("host", 120)):
        if name in data or new:
            values[name] = inputs.text(data, name, errors, required=True, max_length=length)
    if "address" in data:
        values["address"] = inputs.text(data, "address", errors, max_length=200) or ""
    if "kind" in data or new:
        kind = normalize_text(data.get("kind"))
        if kind not in BaseKind.values:
            errors.add("kind", _("Choose a training base or a practical-training base."))
        values["kind"] = kind
    if "district" in data or new:
        districts = (
            District.objects.all()
            if scope.level == Level.CITY
            else District.objects.filter(pk=scope.district_id)
        )
        district = inputs.pick(districts, data.get("district"), keys=("code", "name"))
        if district is None:
            errors.add("district", _("Choose the district (your own, unless you are the city)."))
        values["district"] = district
    if "accredited_on" in data or new:
        values["accredited_on"] = inputs.date(data, "accredited_on", errors, required=True)
    if "capacity" in data or new:
        values["capacity"] = inputs.integer(data, "capacity", errors, required=True, low=1, high=100000)
    if "is_active" in data:
        values["is_active"] = data["is_active"] in (True, "true", "1", "on", "是", "yes")
    errors.raise_if_any()
    return {k: v for k, v in values.items() if v is not None}


@transaction.atomic
def training_base_register(*, actor: User, data: Mapping[str, Any]) -> TrainingBase:
    """City and district administrators keep the register of bases (a district only its own)."""
    scope = require_write(actor)
    if scope.level not in (Level.CITY, Level.DISTRICT):
        raise Http404
    base = TrainingBase.objects.create(**_clean_base(actor, scope, data, instance=None))
    audit.record_create(
        actor=actor,
        instance=base,
        fields=BASE_FIELDS,
    )
    return base


def may_keep_base(scope: Scope, base: TrainingBase) -> bool:
    """The city keeps every base; a district administrator the bases of its district."""
    if not scope.can_write:
        return False
    return scope.level == Level.CITY or (
        scope.level == Level.DISTRICT and base.district_id == scope.district_id
    )


@transaction.atomic
def training_base_update(*, actor: User, base: TrainingBase, data: Mapping[str, Any]) -> TrainingBase:
    scope = require_write(actor)
    if not may_keep_base(scope, base):
        raise Http404
    base = TrainingBase.objects.select_for_update().get(pk=base.pk)
    before = audit.snapshot(base, BASE_FIELDS)
    for name, value in _clean_base(actor, scope, data, instance=base).items():
        setattr(base, name, value)
    changes = audit.diff(before, audit.snapshot(base, BASE_FIELDS))
    if changes:
        base.save()
        audit.record(actor=actor, action=AuditAction.UPDATE, instance=base, changes=changes)
    return base


# ---------------------------------------------------------------- courses and sessions


def _clean_course(scope: Scope, data: Mapping[str, Any]) -> tuple[dict, list[ContentModule]]:
    errors = Errors()
    values: dict[str, Any] = {"title": inputs.text(data, "title", errors, required=True, max_length=120)}
    kind = normalize_text(data.get("kind"))
    if kind not in CourseKind.values:
        errors.add("kind", _("Choose the kind: pre-job, in-service, transfer, heads' course or online."))
    tier = normalize_text(data.get("tier"))
    if not tier:  # the tier follows from who organises, unless the city says otherwise
        tier = {
            Level.CITY: Tier.CITY,
            Level.DISTRICT: Tier.DISTRICT,
            Level.INSTITUTION: Tier.INSTITUTION,
        }.get(scope.level, "")
    if tier not in Tier.values:
        errors.add("tier", _("Choose the organiser tier: city, district or institution."))
    values.update(kind=kind, tier=tier, organiser_district=None, organiser_institution=None)
    if tier == Tier.CITY and scope.level != Level.CITY:
        errors.add("tier", _("Only the city organises city-tier courses."))
    elif tier == Tier.DISTRICT:
        districts = (
            District.objects.all()
            if scope.level == Level.CITY
            else District.objects.filter(pk=scope.district_id)
        )
        raw = data.get("organiser_district") or (scope.district_id if scope.level == Level.DISTRICT else None)
        district = (
            inputs.pick(districts, raw, keys=("code", "name")) if scope.level != Level.INSTITUTION else None
        )
        if district is None:
            errors.add(
                "organiser_district", _("Choose the organising district (your own, unless you are the city).")
            )
        values["organiser_district"] = district
    elif tier == Tier.INSTITUTION:
        institutions = Institution.objects.all()
        if scope.level == Level.DISTRICT:
            institutions = institutions.filter(district_id=scope.district_id)
        elif scope.level == Level.INSTITUTION:
            institutions = institutions.filter(pk=scope.institution_id)
        raw = data.get("organiser_institution") or scope.institution_id
        institution = inputs.pick(institutions, raw, keys=("uscc",))
        if institution is None:
            errors.add("organiser_institution", _("Choose the organising institution within your area."))
        values["organiser_institution"] = institution
    values["hours"] = inputs.decimal(data, "hours", errors, required=True, low=Decimal("0.5"), high=MAX_HOURS)
    values["description"] = inputs.text(data, "description", errors, max_length=2000) or ""
    if not inputs.is_blank(data.get("lesson_min_minutes")):
        values["lesson_min_minutes"] = inputs.integer(data, "lesson_min_minutes", errors, low=0, high=600)
    modules = _clean_modules(data.get("modules"), errors)
    errors.raise_if_any()
    return values, modules


def _clean_modules(raw_modules: Any, errors: Errors) -> list[ContentModule]:
    """Content modules by code or name, as a list or a text separated by commas or 、."""
    modules: list[ContentModule] = []
    raw_modules = raw_modules or []
    if isinstance(raw_modules, str):
        raw_modules = [
            part for part in raw_modules.replace("，", ",").replace("、", ",").split(",") if part.strip()
        ]
    for raw in raw_modules:
        module = inputs.pick(ContentModule.objects.all(), raw, keys=("code", "name"))
        if module is None:
            errors.add(
                "modules", _("Unknown content module “%(name)s”.") % {"name": normalize_text(raw)[:40]}
            )
        else:
            modules.append(module)
    return modules


def _course_snapshot(course: Course) -> dict[str, Any]:
    return {
        **audit.snapshot(course, (*COURSE_FIELDS, "description", "lesson_min_minutes")),
        "modules": sorted(m.code for m in course.modules.all()),
    }


@transaction.atomic
def course_update(*, actor: User, course: Course, data: Mapping[str, Any]) -> Course:
    """Correct a course's title, hours, description or content modules (its organisers only); fields not
    in `data` are kept. Kind, tier and organiser stay as created: they decide who sees and runs the
    course and how its sessions count. Results already recorded keep their own hours."""
    _require_organiser(actor, course)
    course = Course.objects.select_for_update().get(pk=course.pk)
    before = _course_snapshot(course)
    errors = Errors()
    values: dict[str, Any] = {}
    if "title" in data:
        values["title"] = inputs.text(data, "title", errors, required=True, max_length=120)
    if "hours" in data:
        values["hours"] = inputs.decimal(
            data, "hours", errors, required=True, low=Decimal("0.5"), high=MAX_HOURS
        )
    if "description" in data:
        values["description"] = inputs.text(data, "description", errors, max_length=2000) or ""
    if "lesson_min_minutes" in data:
        # Empty: back to the minimum derived from the hours; 0 stays 0 (the organiser's explicit choice).
        values["lesson_min_minutes"] = inputs.integer(data, "lesson_min_minutes", errors, low=0, high=600)
    modules = _clean_modules(data.get("modules"), errors) if "modules" in data else None
    errors.raise_if_any()
    for name, value in values.items():
        setattr(course, name, value)
    if values:
        course.save(update_fields=list(values))
    if modules is not None:
        course.modules.set(modules)
    changes = audit.diff(before, _course_snapshot(course))
    if changes:
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=course,
            changes=changes,
            institution_id=course.organiser_institution_id,
        )
    return course


@transaction.atomic
def course_create(*, actor: User, data: Mapping[str, Any]) -> Course:
    scope = require_write(actor)
    values, modules = _clean_course(scope, data)
    course = Course.objects.create(**values)
    course.modules.set(modules)
    audit.record_create(
        actor=actor,
        instance=course,
        fields=COURSE_FIELDS,
        institution_id=course.organiser_institution_id,
    )
    return course


def _clean_session(
    scope: Scope, course: Course, data: Mapping[str, Any], *, instance: Session | None
) -> dict:
    errors = Errors()
    new = instance is None
    values: dict[str, Any] = {}
    for name in ("start_date", "end_date"):
        if name in data or new:
            values[name] = inputs.date(data, name, errors, required=True)
    start = values.get("start_date", instance.start_date if instance else None)
    end = values.get("end_date", instance.end_date if instance else None)
    if start and end and end < start:
        errors.add("end_date", _("The end date is before the start date."))
    if "capacity" in data or new:
        values["capacity"] = inputs.integer(data, "capacity", errors, required=True, low=1, high=100000)
    if "venue" in data:
        values["venue"] = inputs.text(data, "venue", errors, max_length=200) or ""
    base_given = not inputs.is_blank(data.get("base"))
    if base_given:
        current = instance.base_id if instance else None
        active = TrainingBase.objects.filter(Q(is_active=True) | Q(pk=current))
        base = inputs.pick(active, data.get("base"), keys=("name",))
        if base is None:
            errors.add("base", _("Unknown or inactive training base."))
        values["base"] = base
    elif "base" in data:  # given empty: the session no longer uses a base
        values["base"] = None
    if scope.level == Level.BASE and new and "base" not in values:
        values["base"] = TrainingBase.objects.get(pk=scope.training_base_id)
    if scope.level == Level.BASE and "base" in values:
        chosen = values["base"]
        if chosen is None or chosen.pk != scope.training_base_id:
            # The base's account runs the sessions held at it; moving one elsewhere is the organiser's call.
            errors.add(
                "base", _("A training base keeps its sessions at itself; leave the training base as it is.")
            )
    if "is_cancelled" in data:
        values["is_cancelled"] = data["is_cancelled"] in (True, "true", "True", "1", "on", "是")
    venue = values.get("venue", instance.venue if instance else "")
    has_base = (
        base_given
        or values.get("base") is not None
        or ("base" not in values and instance is not None and instance.base_id is not None)
    )
    if not venue and not has_base and not course.is_online:
        errors.add("venue", _("Give the venue or choose a training base."))
    errors.raise_if_any()
    return {k: v for k, v in values.items() if v is not None or k == "base"}


@transaction.atomic
def session_schedule(*, actor: User, course: Course, data: Mapping[str, Any]) -> Session:
    scope = _require_organiser(actor, course)
    session = Session.objects.create(course=course, **_clean_session(scope, course, data, instance=None))
    audit.record_create(
        actor=actor,
        instance=session,
        fields=SESSION_FIELDS,
        institution_id=course.organiser_institution_id,
    )
    return session


def _check_session_change(session: Session, values: Mapping[str, Any]) -> None:
    """What an edit may not do to a session that already has enrolments, attendance or results.

    Person-times count by each completion's own date (TrainingTally), and those dates were checked
    against the session's dates when recorded. Rather than re-tally, the dates are frozen once a
    completion exists: the tallies then never disagree with the records, and a wrong session is corrected
    by scheduling another one."""
    errors = Errors()
    enrolments = session.enrolments.all()
    start = values.get("start_date", session.start_date)
    end = values.get("end_date", session.end_date)
    dates_change = (start, end) != (session.start_date, session.end_date)
    completed = enrolments.filter(status=EnrolmentStatus.COMPLETED).count()
    if dates_change and completed:
        message = _(
            "Results are already recorded for %(n)d workers, so the dates can no longer change; "
            "schedule a new session instead."
        ) % {"n": completed}
        for name in ("start_date", "end_date"):
            if name in values and values[name] != getattr(session, name):
                errors.add(name, message)
    elif dates_change:
        outside = (
            Attendance.objects.filter(enrolment__session=session)
            .exclude(day__gte=start, day__lte=end)
            .order_by("day")
            .values_list("day", flat=True)
            .first()
        )
        if outside is not None:
            errors.add(
                "start_date" if outside < start else "end_date",
                _("Attendance is recorded on %(day)s, outside the new dates; keep that day in the session.")
                % {"day": outside.isoformat()},
            )
    capacity = values.get("capacity")
    if capacity is not None:
        taken = enrolments.exclude(status=EnrolmentStatus.WITHDRAWN).count()
        if capacity < taken:
            errors.add(
                "capacity",
                _("%(n)d workers are already enrolled; the capacity cannot be lower than that.")
                % {"n": taken},
            )
    if values.get("is_cancelled") and not session.is_cancelled and completed:
        errors.add(
            "is_cancelled",
            _("Results are already recorded for %(n)d workers; a session with results cannot be cancelled.")
            % {"n": completed},
        )
    errors.raise_if_any()


@transaction.atomic
def session_update(*, actor: User, session: Session, data: Mapping[str, Any]) -> Session:
    """Change a session's dates, venue or base, capacity, or cancel it (its organisers only). Dates are
    frozen once results are recorded; the capacity never drops below those enrolled."""
    scope = _require_organiser(actor, session.course, session)
    session = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
    before = audit.snapshot(session, SESSION_FIELDS)
    values = _clean_session(scope, session.course, data, instance=session)
    _check_session_change(session, values)
    for name, value in values.items():
        setattr(session, name, value)
    changes = audit.diff(before, audit.snapshot(session, SESSION_FIELDS))
    if changes:
        session.save()
        audit.record(
            actor=actor,
            action=AuditAction.UPDATE,
            instance=session,
            changes=changes,
            institution_id=session.course.organiser_institution_id,
        )
    return session


# ---------------------------------------------------------------- enrolment


def eligible_workers(actor: User, session: Session):
    """Workers this actor may put on this session: in the actor's scope; for an institution-tier course,
    only that institution's staff. A training base has no area of its own: it takes workers from the course's
    area (the city, the organising district or institution)."""
    course = session.course
    if scope_of(actor).level == Level.BASE:
        qs = Worker.objects.all()
        if course.tier == Tier.DISTRICT:
            qs = qs.filter(district_id=course.organiser_district_id)
    else:
        qs = workers_visible_to(actor)
    if course.tier == Tier.INSTITUTION:
        qs = qs.filter(institution_id=course.organiser_institution_id)
    return qs


def workers_from_list(
    actor: User, lines: str | Sequence[str], *, pool: QuerySet[Worker] | None = None
) -> tuple[list[Worker], list[str]]:
    """Workers named one per line by record id or full resident ID number (among `pool`, by default the
    workers the actor sees); the lines not found."""
    if isinstance(lines, str):
        lines = lines.replace(",", "\n").replace("，", "\n").splitlines()
    found: list[Worker] = []
    missing: list[str] = []
    visible = workers_visible_to(actor) if pool is None else pool
    for raw in lines[:5000]:
        text = normalize_text(raw)
        if not text:
            continue
        worker = None
        if text.isdigit() and len(text) < 12:
            worker = visible.filter(pk=int(text)).first()
        elif len(text) == 18:
            condition = search_condition(text)
            worker = visible.filter(condition).first() if condition is not None else None
        if worker is None:
            missing.append(text[:40])
        else:
            found.append(worker)
    return found, missing


def workers_to_enrol(
    actor: User,
    session: Session,
    *,
    institution: Any = None,
    occupation: Any = None,
    listing: str | Sequence[str] = "",
) -> tuple[list[Worker], list[str]]:
    """Who "enrol many" means, the same for the page and the API: every active worker of an institution
    (optionally of one occupation), or of one occupation across the actor's area, plus a list of record
    numbers or full ID numbers. Returns the workers and the list lines not found in the actor's area."""
    errors = Errors()
    eligible = eligible_workers(actor, session).filter(is_active=True)
    workers: list[Worker] = []
    chosen = None
    if not inputs.is_blank(institution):
        raw = normalize_text(institution)
        if raw.isdigit() and len(raw) < 12:
            chosen = eligible.filter(institution_id=int(raw))
        else:
            chosen = eligible.filter(institution__uscc=raw.upper())
    if not inputs.is_blank(occupation):
        code = normalize_text(occupation)
        if not Occupation.objects.filter(code=code).exists():
            errors.add("occupation", _("Unknown occupation; choose one from the list."))
        chosen = (chosen if chosen is not None else eligible).filter(occupation__code=code)
    errors.raise_if_any()
    if chosen is not None:
        workers += list(chosen.order_by("pk")[:5000])
    missing: list[str] = []
    if listing:
        found, missing = workers_from_list(actor, listing, pool=eligible)
        workers += found
    return workers, missing


@transaction.atomic
def enrolments_create(*, actor: User, session: Session, workers: Iterable[Worker]) -> list[Enrolment]:
    """Put many workers on a session at once; workers already on it are skipped, capacity is enforced."""
    _require_organiser(actor, session.course, session)
    session = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
    if session.is_cancelled:
        raise ValidationError({"session": [_("This session is cancelled; schedule another one.")]})
    wanted = {w.pk for w in workers}
    allowed = set(eligible_workers(actor, session).filter(pk__in=wanted).values_list("pk", flat=True))
    if wanted - allowed:
        raise ValidationError(
            {
                "workers": [
                    _("%(n)d of the workers are outside your area or not staff of the organiser.")
                    % {"n": len(wanted - allowed)}
                ]
            }
        )
    existing = dict(session.enrolments.filter(worker_id__in=wanted).values_list("worker_id", "status"))
    # Workers who withdrew come back on their old enrolment; those on it already are skipped.
    back = sorted(pk for pk, status in existing.items() if status == EnrolmentStatus.WITHDRAWN)
    new_ids = sorted(wanted - set(existing))
    taken = session.enrolments.exclude(status=EnrolmentStatus.WITHDRAWN).count()
    if taken + len(new_ids) + len(back) > session.capacity:
        raise ValidationError(
            {
                "workers": [
                    _("Only %(free)d places are left on this session.")
                    % {"free": max(0, session.capacity - taken)}
                ]
            }
        )
    rows = Enrolment.objects.bulk_create(
        [Enrolment(session=session, worker_id=pk) for pk in new_ids], batch_size=2000
    )
    returning = list(session.enrolments.filter(worker_id__in=back))
    session.enrolments.filter(worker_id__in=back).update(status=EnrolmentStatus.ENROLLED)
    for row in returning:
        row.status = EnrolmentStatus.ENROLLED
    placement = dict(Worker.objects.filter(pk__in=new_ids + back).values_list("pk", "institution_id"))
    events = AuditEvent.objects.bulk_create(
        [
            audit.build_event(
                actor=actor,
                action=AuditAction.CREATE,
                instance=row,
                changes={"session": [None, str(session)]},
                worker_id=row.worker_id,
                institution_id=placement.get(row.worker_id),
            )
            for row in rows
        ]
        + [
            audit.build_event(
                actor=actor,
                action=AuditAction.UPDATE,
                instance=row,
                changes={"status": [EnrolmentStatus.WITHDRAWN.value, EnrolmentStatus.ENROLLED.value]},
                worker_id=row.worker_id,
                institution_id=placement.get(row.worker_id),
            )
            for row in returning
        ],
        batch_size=2000,
    )
    audit.announce([(e.object_type, e.worker_id, e.institution_id) for e in events])
    return rows + returning


def _tally(enrolment: Enrolment, sign: int) -> None:
    """Move one completion in or out of its year's district tally (F expressions: safe under concurrency)."""
    if enrolment.completed_year is None or enrolment.district_id is None:
        return
    TrainingTally.objects.bulk_create(
        [TrainingTally(year=enrolment.completed_year, district_id=enrolment.district_id)],
        ignore_conflicts=True,
    )
    TrainingTally.objects.filter(year=enrolment.completed_year, district_id=enrolment.district_id).update(
        completions=F("completions") + sign, hours=F("hours") + sign * enrolment.hours
    )


def clean_result(enrolment: Enrolment, data: Mapping[str, Any]) -> dict[str, Any]:
    errors = Errors()
    session = enrolment.session
    day = inputs.date(data, "completed_on", errors) or min(session.end_date, timezone.localdate())
    if day > timezone.localdate():
        errors.add("completed_on", _("The completion date is in the future."))
    elif day < session.start_date:
        errors.add(
            "completed_on",
            _("The completion date is before the session began (%(date)s).") % {"date": session.start_date},
        )
    hours = inputs.decimal(data, "hours", errors, high=MAX_HOURS)
    score = inputs.decimal(data, "exam_score", errors, high=Decimal(100))
    passed = data.get("exam_passed")
    if isinstance(passed, str):
        passed = {
            "": None,
            "true": True,
            "1": True,
            "是": True,
            "合格": True,
            "通过": True,
            "yes": True,
            "false": False,
            "0": False,
            "否": False,
            "不合格": False,
            "未通过": False,
            "no": False,
        }.get(normalize_text(passed).lower(), "bad")
        if passed == "bad":
            errors.add("exam_passed", _("Write 合格 or 不合格 (passed or failed)."))
            passed = None
    errors.raise_if_any()
    return {
        "completed_on": day,
        "hours": hours if hours is not None else session.course.hours,
        "exam_score": score,
        "exam_passed": passed,
    }


def _finish(actor: User, enrolment: Enrolment, values: Mapping[str, Any]) -> Enrolment:
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise ValidationError({"status": [_("This worker withdrew; enrol them again first.")]})
    before = audit.snapshot(enrolment, ENROLMENT_FIELDS)
    if enrolment.status == EnrolmentStatus.COMPLETED:
        _tally(enrolment, -1)  # a corrected result: take the old one out first
    worker = Worker.objects.only("id", "district_id", "institution_id").get(pk=enrolment.worker_id)
    failed = values.get("exam_passed") is False
    enrolment.status = EnrolmentStatus.NOT_COMPLETED if failed else EnrolmentStatus.COMPLETED
    enrolment.completed_on = None if failed else values["completed_on"]
    enrolment.completed_year = None if failed else values["completed_on"].year
    enrolment.hours = Decimal(0) if failed else values["hours"]
    enrolment.exam_score = values.get("exam_score")
    enrolment.exam_passed = values.get("exam_passed")
    # Where the person-time counts: the worker's district (the institution's) at completion.
    enrolment.district_id = worker.district_id
    enrolment.institution_id = worker.institution_id
    _set_validity(enrolment)
    enrolment.save()
    _tally(enrolment, +1)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=enrolment,
        changes=audit.diff(before, audit.snapshot(enrolment, ENROLMENT_FIELDS)),
        worker_id=worker.pk,
        institution_id=worker.institution_id,
    )
    return enrolment


def _set_validity(enrolment: Enrolment) -> None:
    """A completion of a kind that expires is valid for its kind's months (TrainingValidity) from the
    completion date, and renews the worker's latest earlier completion of the same kind (a refresher)."""
    if enrolment.status != EnrolmentStatus.COMPLETED:
        enrolment.valid_until = enrolment.renews = None
        return
    kind = enrolment.session.course.kind
    months = TrainingValidity.objects.filter(kind=kind).values_list("months", flat=True).first()
    enrolment.valid_until = valid_until(enrolment.completed_on, months)
    enrolment.renews = (
        Enrolment.objects.filter(
            worker_id=enrolment.worker_id,
            status=EnrolmentStatus.COMPLETED,
            session__course__kind=kind,
            completed_on__lte=enrolment.completed_on,
            valid_until__isnull=False,
        )
        .exclude(pk=enrolment.pk)
        .order_by("-completed_on", "-id")
        .first()
        if months is not None
        else None
    )


def _locked_completion(actor: User, enrolment: Enrolment) -> Enrolment:
    enrolment = Enrolment.objects.select_for_update().select_related("session__course").get(pk=enrolment.pk)
    _require_organiser(actor, enrolment.session.course, enrolment.session)
    return enrolment


def _validity_change(
    actor: User, enrolment: Enrolment, *, to: str, allowed: tuple[str, ...], reason: Any, day: Any = None
) -> Enrolment:
    errors = Errors()
    text = normalize_text(reason)
    if len(text) < 2:
        errors.add("reason", _("Give the reason."))
    elif len(text) > 200:
        errors.add("reason", _("Too long (at most %(n)d characters).") % {"n": 200})
    on = inputs.date({"day": day}, "day", errors) or timezone.localdate()
    errors.raise_if_any()  # what was typed first; then whether the decision applies
    if enrolment.status != EnrolmentStatus.COMPLETED or enrolment.validity_status not in allowed:
        errors.add(
            "validity_status",
            _("This change does not apply: the training is %(status)s.")
            % {
                "status": enrolment.get_validity_status_display()
                if enrolment.status == EnrolmentStatus.COMPLETED
                else enrolment.get_status_display()
            },
        )
    errors.raise_if_any()
    before = audit.snapshot(enrolment, ENROLMENT_FIELDS)
    enrolment.validity_status = to
    if to == ValidityStatus.VALID:
        enrolment.validity_changed_on, enrolment.validity_reason = None, ""
    else:
        enrolment.validity_changed_on, enrolment.validity_reason = on, text
    enrolment.validity_changed_by = actor
    enrolment.save(
        update_fields=["validity_status", "validity_changed_on", "validity_reason", "validity_changed_by"]
    )
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=enrolment,
        changes=audit.diff(before, audit.snapshot(enrolment, ENROLMENT_FIELDS)),
        worker_id=enrolment.worker_id,
        note=text[:200],
    )
    return enrolment


@transaction.atomic
def completion_suspend(*, actor: User, enrolment: Enrolment, reason: Any, day: Any = None) -> Enrolment:
    """Suspend a completed training's validity (its organisers), with the date, reason and who."""
    enrolment = _locked_completion(actor, enrolment)
    return _validity_change(
        actor, enrolment, to=ValidityStatus.SUSPENDED, allowed=(ValidityStatus.VALID,), reason=reason, day=day
    )


@transaction.atomic
def completion_revoke(*, actor: User, enrolment: Enrolment, reason: Any, day: Any = None) -> Enrolment:
    """Revoke a completed training's validity for good (its organisers)."""
    enrolment = _locked_completion(actor, enrolment)
    return _validity_change(
        actor,
        enrolment,
        to=ValidityStatus.REVOKED,
        allowed=(ValidityStatus.VALID, ValidityStatus.SUSPENDED),
        reason=reason,
        day=day,
    )


@transaction.atomic
def completion_reinstate(*, actor: User, enrolment: Enrolment, reason: Any) -> Enrolment:
    """Lift a suspension (the reason is kept in the audit trail)."""
    enrolment = _locked_completion(actor, enrolment)
    return _validity_change(
        actor, enrolment, to=ValidityStatus.VALID, allowed=(ValidityStatus.SUSPENDED,), reason=reason
    )


@transaction.atomic
def enrolment_complete(
    *, actor: User, enrolment: Enrolment, data: Mapping[str, Any] | None = None
) -> Enrolment:
    """Record the outcome: completed with hours (the course's unless given) and exam result; a failed exam
    is recorded as not completed and earns no person-time."""
    enrolment = Enrolment.objects.select_for_update().select_related("session__course").get(pk=enrolment.pk)
    _require_organiser(actor, enrolment.session.course, enrolment.session)
    return _finish(actor, enrolment, clean_result(enrolment, data or {}))


@transaction.atomic
def enrolments_complete(
    *, actor: User, session: Session, worker_ids: Iterable[int], data: Mapping[str, Any] | None = None
) -> int:
    """Mark many enrolments of one session completed with the same date, hours and result."""
    _require_organiser(actor, session.course, session)
    rows = list(
        Enrolment.objects.select_for_update()
        .select_related("session__course")
        .filter(session=session, worker_id__in=list(worker_ids))
        .exclude(status=EnrolmentStatus.WITHDRAWN)
    )
    if not rows:
        raise ValidationError({"workers": [_("Choose at least one enrolled worker.")]})
    values = clean_result(rows[0], data or {})
    for row in rows:
        _finish(actor, row, values)
    return len(rows)


@transaction.atomic
def enrolments_record_results(
    *,
    actor: User,
    session: Session,
    results: Sequence[Mapping[str, Any]],
    completed_on: Any = None,
) -> int:
    """Record each worker's own outcome (hours, exam score, passed or failed) in one go, all or nothing.

    `results` holds one mapping per worker: `worker` (record id) and any of `hours`, `exam_score`,
    `exam_passed`, `completed_on` (else the shared `completed_on`). Errors are keyed `results.<i>.<field>`
    (i: the position in `results`). Each row goes through the same completion step as a single one, so
    TrainingTally stays exact."""
    _require_organiser(actor, session.course, session)
    session = Session.objects.select_related("course").get(pk=session.pk)
    if not results:
        raise ValidationError({"results": [_("Choose at least one enrolled worker.")]})
    if len(results) > 5000:
        raise ValidationError({"results": [_("At most 5,000 workers at a time.")]})
    ids: list[int | None] = []
    for item in results:
        raw = normalize_text(item.get("worker"))
        ids.append(int(raw) if raw.isdigit() and len(raw) < 12 else None)
    rows = {
        row.worker_id: row
        for row in Enrolment.objects.select_for_update()
        .select_related("session__course")
        .filter(session=session, worker_id__in=[i for i in ids if i is not None])
    }
    errors = Errors()
    planned: list[tuple[Enrolment, dict[str, Any]]] = []
    seen: set[int] = set()
    for index, (item, worker_id) in enumerate(zip(results, ids, strict=True)):
        prefix = f"results.{index}."
        row = rows.get(worker_id) if worker_id is not None else None
        if row is None or row.status == EnrolmentStatus.WITHDRAWN:
            errors.add(prefix + "worker", _("This worker is not enrolled on this session; enrol them first."))
            continue
        if worker_id in seen:
            errors.add(prefix + "worker", _("This worker is listed twice; keep one line."))
            continue
        seen.add(worker_id)
        data = dict(item)
        if inputs.is_blank(data.get("completed_on")):
            data["completed_on"] = completed_on
        try:
            planned.append((row, clean_result(row, data)))
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                for message in messages:
                    errors.add(prefix + name, message)
    errors.raise_if_any()
    for row, values in planned:
        _finish(actor, row, values)
    return len(planned)


@transaction.atomic
def enrolment_withdraw(*, actor: User, enrolment: Enrolment) -> Enrolment:
    enrolment = Enrolment.objects.select_for_update().select_related("session__course").get(pk=enrolment.pk)
    _require_organiser(actor, enrolment.session.course, enrolment.session)
    before = audit.snapshot(enrolment, ENROLMENT_FIELDS)
    if enrolment.status == EnrolmentStatus.COMPLETED:
        _tally(enrolment, -1)
    enrolment.status = EnrolmentStatus.WITHDRAWN
    enrolment.completed_on = enrolment.completed_year = enrolment.exam_passed = enrolment.exam_score = None
    enrolment.hours = Decimal(0)
    enrolment.valid_until = enrolment.renews = None
    enrolment.save()
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=enrolment,
        changes=audit.diff(before, audit.snapshot(enrolment, ENROLMENT_FIELDS)),
        worker_id=enrolment.worker_id,
    )
    return enrolment


@transaction.atomic
def attendance_record(
    *,
    actor: User,
    session: Session,
    day: Any,
    present_worker_ids: Iterable[Any],
    worker_ids: Iterable[Any] | None = None,
) -> int:
    """The register of one day: who was there. Every other worker enrolled — or, when `worker_ids` is
    given (one page of a long register), every other one of those — is marked absent for that day."""
    _require_organiser(actor, session.course, session)
    session = Session.objects.select_for_update().select_related("course").get(pk=session.pk)
    errors = Errors()
    when = inputs.date({"day": day}, "day", errors, required=True)
    if when and not session.start_date <= when <= session.end_date:
        errors.add(
            "day",
            _("The day is outside the session's dates (%(start)s to %(end)s).")
            % {"start": session.start_date, "end": session.end_date},
        )
    elif when and when > timezone.localdate():
        errors.add("day", _("The day is in the future; take the register on the day."))
    if session.is_cancelled:
        errors.add("session", _("This session is cancelled; schedule another one."))

    def _ids(raw: Iterable[Any], field: str) -> set[int]:
        out = set()
        for value in raw:
            text = normalize_text(value)
            if text.isdigit() and len(text) < 12:
                out.add(int(text))
            else:
                errors.add(field, _("“%(value)s” is not a worker record id.") % {"value": text[:20]})
        return out

    present = _ids(present_worker_ids, "present")
    listed = _ids(worker_ids, "workers") if worker_ids is not None else None
    errors.raise_if_any()
    rows = session.enrolments.exclude(status=EnrolmentStatus.WITHDRAWN).only("id", "worker_id")
    if listed is not None:
        rows = rows.filter(worker_id__in=listed | present)
    rows = list(rows)
    unknown = present - {r.worker_id for r in rows}
    if unknown:
        errors.add(
            "present",
            _("%(n)d of the workers marked present are not enrolled on this session.") % {"n": len(unknown)},
        )
    errors.raise_if_any()
    old = Attendance.objects.filter(enrolment__in=rows, day=when)
    before = sum(1 for a in old if a.present), len(old)
    old.delete()
    Attendance.objects.bulk_create(
        [Attendance(enrolment=row, day=when, present=row.worker_id in present) for row in rows],
        batch_size=2000,
    )
    after = len(present), len(rows)
    audit.record(
        actor=actor,
        action=AuditAction.UPDATE,
        instance=session,
        changes={
            f"attendance {when}": [
                f"{before[0]}/{before[1]}" if before[1] else None,
                f"{after[0]}/{after[1]}",
            ]
        },
        institution_id=session.course.organiser_institution_id,
    )
    return len(rows)


# ---------------------------------------------------------------- online courses


@transaction.atomic
def lesson_add(*, actor: User, course: Course, data: Mapping[str, Any]) -> Lesson:
    _require_organiser(actor, course)
    if not course.is_online:
        raise ValidationError({"course": [_("Lessons belong to online courses.")]})
    errors = Errors()
    title = inputs.text(data, "title", errors, required=True, max_length=120)
    minutes = inputs.integer(data, "minutes", errors, required=True, low=1, high=600)
    content = inputs.text(data, "content", errors, max_length=20000) or ""
    errors.raise_if_any()
    order = (course.lessons.order_by("-order").values_list("order", flat=True).first() or 0) + 1
    lesson = Lesson.objects.create(course=course, order=order, title=title, minutes=minutes, content=content)
    audit.record(actor=actor, action=AuditAction.CREATE, instance=lesson, changes={"title": [None, title]})
    return lesson


@transaction.atomic
def online_enrol_self(*, actor: User, session: Session) -> Enrolment:
    """A worker starts an online course open to them (city-tier, their district's, or their institution's).
    The one write a worker account makes: its own learning."""
    if actor.role != Role.WORKER or not actor.worker_id:
        raise Http404
    course = session.course
    worker = Worker.objects.get(pk=actor.worker_id)
    open_to_worker = (
        course.tier == Tier.CITY
        or (course.tier == Tier.DISTRICT and course.organiser_district_id == worker.district_id)
        or (course.tier == Tier.INSTITUTION and course.organiser_institution_id == worker.institution_id)
    )
    if not course.is_online or not open_to_worker or session.is_cancelled:
        raise Http404
    enrolment, created = Enrolment.objects.get_or_create(session=session, worker=worker)
    if created:
        audit.record(
            actor=actor,
            action=AuditAction.CREATE,
            instance=enrolment,
            changes={"session": [None, str(session)]},
            worker_id=worker.pk,
            institution_id=worker.institution_id,
        )
    return enrolment


def may_record_progress(scope: Scope, enrolment: Enrolment) -> bool:
    """The worker on the course, or its organisers, may mark its lessons done."""
    own = scope.level == Level.SELF and enrolment.worker_id == scope.worker_id
    return own or may_organise(scope, enrolment.session.course, enrolment.session)


@transaction.atomic
def lesson_open(*, actor: User, enrolment: Enrolment, lesson: Lesson) -> LessonOpening:
    """The learner opened a lesson: the server stamps the time once (opening it again keeps the first time),
    and the minimum study time of the course runs from it."""
    if not may_record_progress(scope_of(actor), enrolment):
        raise Http404
    if lesson.course_id != enrolment.session.course_id:
        raise Http404
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise ValidationError({"lesson": [_("This enrolment was withdrawn.")]})
    opening, _created = LessonOpening.objects.get_or_create(
        enrolment=enrolment, lesson=lesson, defaults={"opened_at": timezone.now()}
    )
    return opening


def class_hour_minutes() -> int:
    """Minutes of study in a class hour (学时): the training settings' row, 45 when it is missing."""
    minutes = TrainingSettings.objects.filter(pk=1).values_list("class_hour_minutes", flat=True).first()
    return minutes or TrainingSettings._meta.get_field("class_hour_minutes").default


def lesson_minimum(course: Course, *, lesson_count: int | None = None) -> int:
    """Minutes each lesson of an online course must stay open before the learner's own "studied" counts (the
    one definition). The course's own setting when it has one (0 only by the organiser's deliberate choice);
    otherwise the course's hours times the minutes of a class hour, spread evenly over its lessons and
    rounded up: completing the course credits its hours, so the time studied has to cover them."""
    if course.lesson_min_minutes is not None:
        return course.lesson_min_minutes
    if lesson_count is None:
        lesson_count = course.lessons.count()
    if not lesson_count:
        return 0
    return math.ceil(course.hours * class_hour_minutes() / lesson_count)


def minutes_still_needed(
    enrolment: Enrolment,
    lesson: Lesson,
    *,
    now: datetime.datetime | None = None,
    minimum: int | None = None,
) -> int:
    """How many more minutes the lesson must stay open before it counts (0: it may be marked studied).
    Measured by the server from its own stamps: from the lesson's opening, or from the learner's last lesson
    marked studied when that came later — lessons are studied one after another, so opening them all at once
    and waiting once does not count the same minutes for each. A lesson never opened needs the whole
    minimum. `minimum`: lesson_minimum(course), when the caller already has it."""
    if minimum is None:
        minimum = lesson_minimum(enrolment.session.course)
    if not minimum:
        return 0
    opened = (
        LessonOpening.objects.filter(enrolment=enrolment, lesson=lesson)
        .values_list("opened_at", flat=True)
        .first()
    )
    if opened is None:
        return minimum
    previous = (
        LessonProgress.objects.filter(enrolment=enrolment)
        .exclude(lesson=lesson)
        .aggregate(last=Max("completed_at"))["last"]
    )
    start = max(opened, previous) if previous else opened
    left = datetime.timedelta(minutes=minimum) - ((now or timezone.now()) - start)
    if left <= datetime.timedelta(0):
        return 0
    return math.ceil(left.total_seconds() / 60)


@transaction.atomic
def lesson_complete(*, actor: User, enrolment: Enrolment, lesson: Lesson) -> Enrolment:
    """The worker finished one lesson; when every lesson is done the course is completed (course hours).
    The learner's own completion counts only once the lesson has been open for the course's minimum time
    (organisers correcting progress are not held to it)."""
    enrolment = Enrolment.objects.select_for_update().select_related("session__course").get(pk=enrolment.pk)
    scope = scope_of(actor)
    if not may_record_progress(scope, enrolment):
        raise Http404
    if lesson.course_id != enrolment.session.course_id:
        raise Http404
    if enrolment.status == EnrolmentStatus.WITHDRAWN:
        raise ValidationError({"lesson": [_("This enrolment was withdrawn.")]})
    already = LessonProgress.objects.filter(enrolment=enrolment, lesson=lesson).exists()
    if scope.level == Level.SELF and not already:
        minimum = lesson_minimum(enrolment.session.course)
        left = minutes_still_needed(enrolment, lesson, minimum=minimum)
        if left:
            raise ValidationError(
                {
                    "lesson": [
                        _("This lesson needs at least %(n)d minutes of study; %(m)d more minutes to go.")
                        % {"n": minimum, "m": left}
                    ]
                }
            )
    LessonProgress.objects.get_or_create(enrolment=enrolment, lesson=lesson)
    done = enrolment.progress.count()
    total = enrolment.session.course.lessons.count()
    if done >= total and enrolment.status != EnrolmentStatus.COMPLETED:
        today = timezone.localdate()
        _finish(actor, enrolment, {"completed_on": today, "hours": enrolment.session.course.hours})
    return enrolment


def completion_day(session: Session) -> datetime.date:
    return min(session.end_date, timezone.localdate())


@transaction.atomic
def schedule(*, actor: User, data: Mapping[str, Any]) -> Session:
    """A new course and its first session in one step (all or nothing). Every field's problem is reported
    at once: the session's fields are checked even when the course's are wrong."""
    scope = require_write(actor)
    errors: dict[str, list[str]] = {}
    # The session's checks only read the course's kind (online courses need no venue).
    draft = Course(kind=normalize_text(data.get("kind")))
    for check in (
        lambda: _clean_course(scope, data),
        lambda: _clean_session(scope, draft, data, instance=None),
    ):
        try:
            check()
        except ValidationError as exc:
            for name, messages in exc.message_dict.items():
                errors.setdefault(name, []).extend(messages)
    if errors:
        raise ValidationError(errors)
    course = course_create(actor=actor, data=data)
    return session_schedule(actor=actor, course=course, data=data)
