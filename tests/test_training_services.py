"""Training services: scheduling by tier, enrolment in bulk, completion, online progress, 领雁 coverage."""

import datetime

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from careforce.core.models import AuditEvent, District, Role
from careforce.training import selectors, services
from careforce.training.models import EnrolmentStatus, TrainingSettings
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
    ft.study(account, enrolment, first)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.ENROLLED
    ft.study(account, enrolment, second)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED and enrolment.hours == 4
    stranger = factories.user(Role.WORKER, worker=factories.worker(at=home, actor=city))
    with pytest.raises(Http404):
        services.lesson_complete(actor=stranger, enrolment=enrolment, lesson=first)


def _online(city, home, **course_fields):
    worker = factories.worker(at=home, actor=city)
    account = factories.user(Role.WORKER, worker=worker)
    course = ft.course(kind="online", **course_fields)
    session = ft.session(
        course=course, end_date=datetime.date.today() + datetime.timedelta(days=30), venue=""
    )
    return account, course, session


def test_a_course_that_sets_no_minimum_refuses_a_lesson_marked_studied_seconds_after_opening(city, home):
    # The finding: a 4-hour course completed by two taps within seconds. Nothing set on the course: the
    # minimum follows from its hours, 4 class hours × 45 minutes over 2 lessons = 90 minutes a lesson.
    account, course, session = _online(city, home, hours="4")
    assert course.lesson_min_minutes is None
    first = services.lesson_add(actor=city, course=course, data={"title": "消防安全", "minutes": 10})
    services.lesson_add(actor=city, course=course, data={"title": "失能照护", "minutes": 15})
    enrolment = services.online_enrol_self(actor=account, session=session)
    services.lesson_open(actor=account, enrolment=enrolment, lesson=first)
    with pytest.raises(ValidationError) as exc:
        services.lesson_complete(actor=account, enrolment=enrolment, lesson=first)
    assert "90" in exc.value.message_dict["lesson"][0]
    ft.time_passes(enrolment, 89)
    assert services.minutes_still_needed(enrolment, first) == 1
    with pytest.raises(ValidationError):
        services.lesson_complete(actor=account, enrolment=enrolment, lesson=first)
    ft.time_passes(enrolment, 1)
    services.lesson_complete(actor=account, enrolment=enrolment, lesson=first)
    assert enrolment.progress.count() == 1


def test_the_derived_minimum_follows_the_hours_the_lessons_and_the_class_hour_setting(city, home):
    _account, course, _session = _online(city, home, hours="1.5")
    assert services.lesson_minimum(course) == 0  # no lessons: nothing to time yet
    for title in ("一", "二", "三", "四"):
        services.lesson_add(actor=city, course=course, data={"title": title, "minutes": 5})
    assert services.lesson_minimum(course) == 17  # 1.5 × 45 = 67.5 minutes over 4 lessons, rounded up
    TrainingSettings.objects.filter(pk=1).update(class_hour_minutes=60)
    assert services.lesson_minimum(course) == 23  # 90 / 4, rounded up
    course = services.course_update(actor=city, course=course, data={"lesson_min_minutes": "5"})
    assert services.lesson_minimum(course) == 5  # the course's own setting wins
    services.course_update(actor=city, course=course, data={"lesson_min_minutes": ""})
    course.refresh_from_db()
    assert course.lesson_min_minutes is None and services.lesson_minimum(course) == 23


def test_an_explicit_zero_is_the_organisers_audited_choice_and_lifts_the_minimum(city, home):
    account, course, session = _online(city, home, hours="2")
    lesson = services.lesson_add(actor=city, course=course, data={"title": "阅读通知", "minutes": 5})
    services.course_update(actor=city, course=course, data={"lesson_min_minutes": "0"})
    course.refresh_from_db()
    assert course.lesson_min_minutes == 0
    change = AuditEvent.objects.get(object_type="training.course", object_id=course.pk, action="update")
    assert change.changes["lesson_min_minutes"] == [None, 0]
    enrolment = services.online_enrol_self(actor=account, session=session)
    services.lesson_complete(actor=account, enrolment=enrolment, lesson=lesson)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


def test_lessons_opened_together_do_not_share_the_same_minutes(city, home):
    # Opening every lesson at once and waiting one minimum does not complete the course: a lesson's time runs
    # from the later of its opening and the learner's last lesson marked studied.
    account, course, session = _online(city, home, hours="1", lesson_min_minutes="10")
    first = services.lesson_add(actor=city, course=course, data={"title": "一", "minutes": 10})
    second = services.lesson_add(actor=city, course=course, data={"title": "二", "minutes": 10})
    enrolment = services.online_enrol_self(actor=account, session=session)
    services.lesson_open(actor=account, enrolment=enrolment, lesson=first)
    services.lesson_open(actor=account, enrolment=enrolment, lesson=second)
    ft.time_passes(enrolment, 10)
    services.lesson_complete(actor=account, enrolment=enrolment, lesson=first)
    assert services.minutes_still_needed(enrolment, second) == 10
    with pytest.raises(ValidationError):
        services.lesson_complete(actor=account, enrolment=enrolment, lesson=second)
    ft.time_passes(enrolment, 10)
    services.lesson_complete(actor=account, enrolment=enrolment, lesson=second)
    enrolment.refresh_from_db()
    assert enrolment.status == EnrolmentStatus.COMPLETED


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
