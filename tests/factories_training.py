"""Test data for training, skills and pools, created through their services."""

from __future__ import annotations

import datetime
import itertools

from django.db.models import F

from careforce.core.models import Role, User
from careforce.institutions.models import Institution
from careforce.registry.models import Worker
from careforce.skills import services as skills_services
from careforce.skills.models import Certificate, EvaluationBody
from careforce.training import services as training_services
from careforce.training.models import Course, Enrolment, Lesson, LessonOpening, LessonProgress, Session
from tests import factories

_counter = itertools.count(1)


def _city(actor: User | None) -> User:
    return actor or User.objects.filter(role=Role.CITY_ADMIN).first() or factories.city_admin()


def course(*, actor: User | None = None, **fields) -> Course:
    data = {"title": f"养老护理员岗前培训{next(_counter)}", "kind": "pre_job", "hours": "16", **fields}
    return training_services.course_create(actor=_city(actor), data=data)


def session(*, course: Course | None = None, actor: User | None = None, **fields) -> Session:
    actor = _city(actor)
    course = course or globals()["course"](actor=actor)
    data = {
        "start_date": datetime.date(2025, 3, 1),
        "end_date": datetime.date(2025, 3, 3),
        "venue": "渝中区培训中心",
        "capacity": 50,
        **fields,
    }
    return training_services.session_schedule(actor=actor, course=course, data=data)


def completion(
    worker: Worker, *, session: Session | None = None, actor: User | None = None, **result
) -> Enrolment:
    actor = _city(actor)
    session = session or globals()["session"](actor=actor)
    rows = training_services.enrolments_create(actor=actor, session=session, workers=[worker])
    enrolment = rows[0] if rows else session.enrolments.get(worker=worker)
    return training_services.enrolment_complete(actor=actor, enrolment=enrolment, data=result)


def evaluation_body(*, actor: User | None = None, district_code: str = "500103", **fields) -> EvaluationBody:
    from careforce.core.synthetic import credit_code

    actor = _city(actor)
    n = next(_counter)
    data = {
        "name": f"重庆市职业技能评价中心{n}",
        "uscc": credit_code(factories._rng, region="500000"),
        "registration_number": f"Y000050{n:04d}",
        "registered_on": datetime.date(2021, 1, 1),
        "district": district_code,
        **fields,
    }
    body = skills_services.evaluation_body_register(actor=actor, data=data)
    skills_services.evaluation_range_set(
        actor=actor, body=body, occupation="care_worker", lowest="junior", highest="technician"
    )
    return body


def certificate(
    worker: Worker,
    *,
    level: str = "junior",
    issuer: EvaluationBody | None = None,
    actor: User | None = None,
    **fields,
) -> Certificate:
    issuer = issuer or EvaluationBody.objects.first() or evaluation_body(actor=_city(None))
    # The issuing body records its certificates; a city (or no) actor given means "the issuer's account".
    if actor is None or actor.role == Role.CITY_ADMIN:
        actor = body_account(issuer)
    data = {
        "number": f"S{next(_counter):06d}5000{worker.pk:05d}",
        "worker": worker,
        "occupation": "care_worker",
        "level": level,
        "issuer": issuer.pk,
        "issued_on": datetime.date(2024, 6, 1),
        **fields,
    }
    return skills_services.certificate_issue(actor=actor, data=data)


def body_account(body: EvaluationBody) -> User:
    """The evaluation body's account (made the first time it is needed)."""
    return User.objects.filter(role=Role.EVALUATION_BODY, evaluation_body=body).first() or factories.user(
        Role.EVALUATION_BODY, evaluation_body=body
    )


def director(at: Institution, *, actor: User | None = None, name: str = "李院长") -> Worker:
    """A director, named as the institution's head (负责人)."""
    from careforce.institutions.services import institution_update

    actor = _city(actor)
    worker = factories.worker(at=at, actor=actor, name=name, team="management", occupation="director")
    institution_update(actor=actor, institution=at, data={"head": worker.pk})
    return worker


def heads_session(
    district_code: str = "500103", *, actor: User | None = None, day: datetime.date | None = None
) -> Session:
    """A district-tier heads' course (领雁) of a district, one day long: what trains a head of it."""
    from careforce.core.models import District

    actor = _city(actor)
    district = District.objects.get(code=district_code)
    heads_course = course(
        actor=actor,
        title=f"{district.name}养老机构负责人轮训{next(_counter)}",
        kind="heads",
        tier="district",
        organiser_district=district.pk,
        hours="8",
    )
    day = day or datetime.date.today()
    return session(course=heads_course, actor=actor, start_date=day, end_date=day)


def time_passes(enrolment: Enrolment, minutes: int) -> None:
    """The clock moves on for an online learner: the server's own stamps (lessons opened, lessons studied) move
    back by `minutes`, which is what waiting that long does to the minimum study time."""
    delta = datetime.timedelta(minutes=minutes)
    LessonOpening.objects.filter(enrolment=enrolment).update(opened_at=F("opened_at") - delta)
    LessonProgress.objects.filter(enrolment=enrolment).update(completed_at=F("completed_at") - delta)


def study(account: User, enrolment: Enrolment, lesson: Lesson) -> Enrolment:
    """The learner opens a lesson, stays with it the course's minimum, and marks it studied."""
    training_services.lesson_open(actor=account, enrolment=enrolment, lesson=lesson)
    time_passes(enrolment, training_services.lesson_minimum(enrolment.session.course))
    return training_services.lesson_complete(actor=account, enrolment=enrolment, lesson=lesson)
