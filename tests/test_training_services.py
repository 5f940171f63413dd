"""Training services: scheduling by tier, enrolment in bulk, completion, online progress, 领雁 coverage."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from careforce.core.models import AuditEvent, District, Role
from careforce.training import selectors, services
from careforce.training.models import EnrolmentStatus
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db


def test_it_lets_a_district_schedule_only_its_own_district_courses(city):
    yuzhong = District.objects.get(code="500103")
    official = factories.user(Role.DISTRICT_ADMIN, district=yuzhong)
    course = ft.course(actor=official, kind="heads", tier="district")
    assert course.organiser_district == yuzhong
    with pytest.raises(ValidationError) as exc:
        ft.course(actor=official, tier="city")
    assert "tier" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        ft.course(actor=official, tier="district", organiser_district=District.objects.get(code="500105").pk)
    assert "organiser_district" in exc.value.message_dict


def test_it_refuses_bad_sessions_by_field(city):
    course = ft.course()
    with pytest.raises(ValidationError) as exc:
        services.session_schedule(
            actor=city,
            course=course,
            data={"start_date": "2025-05-02", "end_date": "2025-05-01", "capacity": "x"},
        )
    assert {"end_date", "capacity", "venue"} <= set(exc.value.message_dict)


def test_it_enrols_many_enforces_capacity_and_skips_repeats(city, home):
    workers = [factories.worker(at=home, actor=city) for _ in range(3)]
    session = ft.session(capacity=3)
    assert len(services.enrolments_create(actor=city, session=session, workers=workers[:2])) == 2
    assert len(services.enrolments_create(actor=city, session=session, workers=workers)) == 1
    extra = factories.worker(at=home, actor=city)
    with pytest.raises(ValidationError):
        services.enrolments_create(actor=city, session=session, workers=[extra])
    assert AuditEvent.objects.filter(object_type="training.enrolment").count() == 3


def test_it_keeps_institution_sessions_to_their_staff(city, home):
    other = factories.institution(actor=city)
    admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    session = ft.session(course=ft.course(actor=admin, tier="institution"), actor=admin)
    stranger = factories.worker(at=other, actor=city)
    with pytest.raises(ValidationError):
        services.enrolments_create(actor=admin, session=session, workers=[stranger])
    own = factories.worker(at=home, actor=city)
    assert len(services.enrolments_create(actor=admin, session=session, workers=[own])) == 1


def test_it_finds_workers_from_a_pasted_list(city, home):
    a = factories.worker(at=home, actor=city)
    found, missing = services.workers_from_list(city, f"{a.pk}\n{a.reveal_id_number()}\n99999999")
    assert [w.pk for w in found] == [a.pk, a.pk]
    assert missing == ["99999999"]


def test_it_records_a_failed_exam_without_a_person_time(city, home):
    worker = factories.worker(at=home, actor=city)
    enrolment = ft.completion(worker, exam_score="40", exam_passed="不合格")
    assert enrolment.status == EnrolmentStatus.NOT_COMPLETED
    assert enrolment.completed_year is None
    corrected = services.enrolment_complete(
        actor=city, enrolment=enrolment, data={"exam_score": "80", "exam_passed": "合格"}
    )
    assert corrected.status == EnrolmentStatus.COMPLETED
    with pytest.raises(ValidationError) as exc:
        services.enrolment_complete(actor=city, enrolment=enrolment, data={"completed_on": "2099-01-01"})
    assert "completed_on" in exc.value.message_dict


def test_read_only_roles_cannot_organise(city, home):
    auditor = factories.user(Role.AUDITOR)
    with pytest.raises(Http404):
        ft.course(actor=auditor)


def test_it_completes_an_online_course_lesson_by_lesson(city, home):
    worker = factories.worker(at=home, actor=city)
    account = factories.user(Role.WORKER, worker=worker)
    course = ft.course(kind="online", hours="4")
    session = ft.session(
        course=course, end_date=datetime.date.today() + datetime.timedelta(days=30), venue=""
    )
    first = services.lesson_add(actor=city, course=course, data={"title": "消防安全", "minutes": 10})
    second = services.lesson_add(actor=city, course=course, data={"title": "失能照护", "minutes": 15})
    enrolment = services.online_enrol_self(actor=account, session=session)
    services.lesson_complete(actor=account, enrolment=enrolment, lesson=first)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    services.lesson_complete(actor=account, enrolment=enrolment, lesson=second)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.hours == 4
    stranger = factories.user(Role.WORKER, worker=factories.worker(at=home, actor=city))
    with pytest.raises(Http404):
        services.lesson_complete(actor=stranger, enrolment=enrolment, lesson=first)


def test_heads_coverage_lists_untrained_heads_until_their_district_trains_them(city, home):
    yuzhong = District.objects.get(code="500103")
    official = factories.user(Role.DISTRICT_ADMIN, district=yuzhong)
    head = ft.director(home, actor=city)
    year = datetime.date.today().year
    coverage = selectors.heads_coverage(official, year=year)
    (row,) = coverage["districts"]
    assert [h.pk for h in row["missing"]] == [head.pk] and coverage["city_sessions"] == 0
    # Trained by the city, not by the district: still missing.
    city_heads = ft.course(kind="heads", tier="city")
    day = datetime.date.today()
    ft.completion(head, session=ft.session(course=city_heads, start_date=day, end_date=day))
    assert selectors.heads_coverage(official, year=year)["districts"][0]["missing"] == [head]
    assert selectors.heads_coverage(official, year=year)["city_sessions"] == 1
    course = ft.course(actor=official, kind="heads", tier="district")
    session = ft.session(course=course, actor=official, start_date=day, end_date=day)
    ft.completion(head, session=session, actor=official)
    row = selectors.heads_coverage(official, year=year)["districts"][0]
    assert row["missing"] == [] and row["trained"] == 1


def test_training_bases_are_kept_by_city_and_districts(city):
    inst_admin = factories.user(Role.INSTITUTION_ADMIN, institution=factories.institution(actor=city))
    data = {
        "name": "重庆城市管理职业学院培训基地",
        "kind": "training",
        "host": "学院",
        "district": "500106",
        "accredited_on": "2024-03-01",
        "capacity": "300",
    }
    base = services.training_base_register(actor=city, data=data)
    assert base.district.code == "500106"
    with pytest.raises(Http404):
        services.training_base_register(actor=inst_admin, data=data)
    with pytest.raises(ValidationError) as exc:
        services.training_base_register(actor=city, data={**data, "capacity": "0", "kind": "x"})
    assert {"capacity", "kind"} <= set(exc.value.message_dict)
