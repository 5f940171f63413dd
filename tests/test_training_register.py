"""The session register (attendance per day, each worker's own result) and session changes: services, pages
and API. Person-times must stay exact (TrainingTally equals a count of the records) through all of them."""

import datetime
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.db.models import Count, Sum
from django.http import Http404
from django.urls import reverse

from careforce.core.models import AuditEvent, District, Role
from careforce.training import services
from careforce.training.models import Attendance, Enrolment, EnrolmentStatus, TrainingTally
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db

DAY1, DAY2, DAY3 = (datetime.date(2025, 3, d) for d in (1, 2, 3))


@pytest.fixture
def official(db):
    return factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500103"))


@pytest.fixture
def course(official):
    return ft.course(actor=official, tier="district", title="渝中区在岗轮训", hours="16")


@pytest.fixture
def enrolled(city, home, official, course):
    """A district session (2025-03-01 to 03) with three workers of 渝中 on it."""
    session = ft.session(course=course, actor=official, capacity=5)
    workers = [factories.worker(at=home, actor=city, name=n) for n in ("张三", "李四", "王五")]
    services.enrolments_create(actor=official, session=session, workers=workers)
    return session, workers


def tally_matches_records() -> bool:
    """TrainingTally against a direct aggregate of the completed enrolments (the definition)."""
    direct = {
        (r["completed_year"], r["district_id"]): (r["n"], r["h"])
        for r in Enrolment.objects.filter(status=EnrolmentStatus.COMPLETED)
        .values("completed_year", "district_id")
        .annotate(n=Count("id"), h=Sum("hours"))
    }
    kept = {
        (t.year, t.district_id): (t.completions, t.hours)
        for t in TrainingTally.objects.all()
        if t.completions
    }
    return direct == kept


# ---------------------------------------------------------------- session changes (service)


def test_it_changes_a_session_with_before_and_after_in_the_audit(official, enrolled):
    session, _workers = enrolled
    services.session_update(
        actor=official,
        session=session,
        data={"venue": "渝中区社会福利中心", "capacity": "4", "end_date": "2025-03-04"},
    )
    session.refresh_from_db()
    assert (session.venue, session.capacity, session.end_date) == (
        "渝中区社会福利中心",
        4,
        datetime.date(2025, 3, 4),
    )
    event = AuditEvent.objects.filter(object_type="training.session", action="update").latest("id")
    assert event.changes["capacity"] == [5, 4]
    assert event.changes["venue"] == ["渝中区培训中心", "渝中区社会福利中心"]
    assert event.changes["end_date"] == ["2025-03-03", "2025-03-04"]


def test_it_refuses_bad_changes_by_field(official, enrolled):
    session, _workers = enrolled
    with pytest.raises(ValidationError) as exc:
        services.session_update(
            actor=official,
            session=session,
            data={
                "start_date": "2025-03-05",
                "end_date": "2025-03-01",
                "capacity": "2",
                "venue": "",
                "base": "",
            },
        )
    errors = exc.value.message_dict
    assert {"end_date", "venue"} <= set(errors)
    with pytest.raises(ValidationError) as exc:
        services.session_update(actor=official, session=session, data={"capacity": "2"})
    assert "已有 3 人报名" in exc.value.message_dict["capacity"][0]
    session.refresh_from_db()
    assert (session.capacity, session.venue, session.start_date) == (5, "渝中区培训中心", DAY1)


def test_it_moves_a_session_onto_a_training_base_and_off_again(city, official, enrolled):
    session, _workers = enrolled
    base = services.training_base_register(
        actor=official,
        data={
            "name": "渝中区培训基地",
            "kind": "training",
            "host": "学院",
            "district": "500103",
            "accredited_on": "2024-01-01",
            "capacity": 100,
        },
    )
    services.session_update(actor=official, session=session, data={"base": base.pk, "venue": ""})
    session.refresh_from_db()
    assert session.base == base and session.venue == ""
    with pytest.raises(ValidationError) as exc:
        services.session_update(actor=official, session=session, data={"base": ""})
    assert "venue" in exc.value.message_dict
    services.session_update(actor=official, session=session, data={"base": None, "venue": "区民政局"})
    session.refresh_from_db()
    assert session.base is None and session.venue == "区民政局"


def test_only_the_organisers_may_change_a_session(city, home, official, enrolled):
    session, _workers = enrolled
    other_district = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    institution_admin = factories.user(Role.INSTITUTION_ADMIN, institution=home)
    auditor = factories.user(Role.AUDITOR)
    for outsider in (other_district, institution_admin, auditor):
        with pytest.raises(Http404):
            services.session_update(actor=outsider, session=session, data={"capacity": "9"})
    city_session = ft.session(course=ft.course(tier="city"))
    with pytest.raises(Http404):
        services.session_update(actor=official, session=city_session, data={"capacity": "9"})
    services.session_update(actor=city, session=session, data={"capacity": "9"})  # the city may
    own = ft.session(course=ft.course(actor=institution_admin, tier="institution"), actor=institution_admin)
    assert services.session_update(actor=institution_admin, session=own, data={"capacity": "9"}).capacity == 9


def test_dates_are_frozen_once_results_exist_and_the_tally_stays_exact(official, enrolled):
    session, workers = enrolled
    services.enrolments_record_results(
        actor=official, session=session, completed_on="2025-03-03", results=[{"worker": workers[0].pk}]
    )
    assert tally_matches_records()
    for change in ({"start_date": "2024-12-30"}, {"end_date": "2025-03-09"}):
        with pytest.raises(ValidationError) as exc:
            services.session_update(actor=official, session=session, data=change)
        (field,) = change
        assert "日期不能再修改" in exc.value.message_dict[field][0]
    with pytest.raises(ValidationError) as exc:
        services.session_update(actor=official, session=session, data={"is_cancelled": True})
    assert "is_cancelled" in exc.value.message_dict
    # The same dates again, and other fields, are fine.
    services.session_update(
        actor=official,
        session=session,
        data={"start_date": "2025-03-01", "end_date": "2025-03-03", "venue": "新址"},
    )
    session.refresh_from_db()
    assert (session.start_date, session.end_date, session.venue) == (DAY1, DAY3, "新址")
    assert TrainingTally.objects.get(year=2025).completions == 1 and tally_matches_records()


def test_dates_may_move_before_results_but_not_away_from_attendance(official, enrolled):
    session, workers = enrolled
    services.session_update(actor=official, session=session, data={"start_date": "2025-02-27"})
    services.attendance_record(
        actor=official, session=session, day="2025-02-28", present_worker_ids=[workers[0].pk]
    )
    with pytest.raises(ValidationError) as exc:
        services.session_update(actor=official, session=session, data={"start_date": "2025-03-01"})
    assert "2025-02-28" in exc.value.message_dict["start_date"][0]
    services.session_update(actor=official, session=session, data={"end_date": "2025-03-05"})
    session.refresh_from_db()
    assert (session.start_date, session.end_date) == (datetime.date(2025, 2, 27), datetime.date(2025, 3, 5))


# ---------------------------------------------------------------- attendance (service)


def test_it_takes_a_days_register(official, enrolled):
    session, (a, b, c) = enrolled
    assert (
        services.attendance_record(actor=official, session=session, day=DAY1, present_worker_ids=[a.pk, b.pk])
        == 3
    )
    marks = dict(Attendance.objects.filter(day=DAY1).values_list("enrolment__worker_id", "present"))
    assert marks == {a.pk: True, b.pk: True, c.pk: False}
    # Taking it again replaces the day; one page of a long register touches only its own rows.
    services.attendance_record(
        actor=official, session=session, day=DAY1, present_worker_ids=[c.pk], worker_ids=[b.pk, c.pk]
    )
    marks = dict(Attendance.objects.filter(day=DAY1).values_list("enrolment__worker_id", "present"))
    assert marks == {a.pk: True, b.pk: False, c.pk: True}
    event = AuditEvent.objects.filter(object_type="training.session").latest("id")
    assert event.changes == {"attendance 2025-03-01": ["1/2", "1/2"]}


def test_it_refuses_a_bad_register_by_field(city, home, official, enrolled):
    session, (a, _b, _c) = enrolled
    stranger = factories.worker(at=home, actor=city)
    cases = [
        ({"day": "2025-03-09", "present_worker_ids": [a.pk]}, "day"),
        ({"day": "someday", "present_worker_ids": [a.pk]}, "day"),
        ({"day": DAY1, "present_worker_ids": [stranger.pk]}, "present"),
        ({"day": DAY1, "present_worker_ids": ["x"]}, "present"),
    ]
    for kwargs, field in cases:
        with pytest.raises(ValidationError) as exc:
            services.attendance_record(actor=official, session=session, **kwargs)
        assert field in exc.value.message_dict, kwargs
    future = ft.session(
        course=session.course,
        actor=official,
        start_date=datetime.date.today(),
        end_date=datetime.date.today() + datetime.timedelta(days=3),
    )
    with pytest.raises(ValidationError) as exc:
        services.attendance_record(
            actor=official,
            session=future,
            day=datetime.date.today() + datetime.timedelta(days=1),
            present_worker_ids=[],
        )
    assert "尚未到来" in exc.value.message_dict["day"][0]
    assert not Attendance.objects.exists()
    with pytest.raises(Http404):
        services.attendance_record(
            actor=factories.user(Role.AUDITOR), session=session, day=DAY1, present_worker_ids=[]
        )


# ---------------------------------------------------------------- results (service)


def test_it_records_each_workers_own_result_and_keeps_the_tally_exact(official, enrolled):
    session, (a, b, c) = enrolled
    n = services.enrolments_record_results(
        actor=official,
        session=session,
        completed_on="2025-03-03",
        results=[
            {"worker": a.pk, "exam_score": "92", "exam_passed": "true"},
            {"worker": b.pk, "hours": "12", "exam_score": "75.5", "exam_passed": "合格"},
            {"worker": c.pk, "exam_score": "40", "exam_passed": "false"},
        ],
    )
    assert n == 3
    rows = {e.worker_id: e for e in session.enrolments.all()}
    assert (rows[a.pk].status, rows[a.pk].hours, rows[a.pk].exam_score) == (
        "completed",
        Decimal("16.0"),
        Decimal("92.0"),
    )
    assert (rows[b.pk].status, rows[b.pk].hours) == ("completed", Decimal("12.0"))
    assert (rows[c.pk].status, rows[c.pk].completed_on, rows[c.pk].hours) == ("not_completed", None, 0)
    tally = TrainingTally.objects.get(year=2025, district=a.district_id)
    assert (tally.completions, tally.hours) == (2, Decimal("28.0")) and tally_matches_records()
    # A correction: c passes the resit, a's hours are cut; the tally follows.
    services.enrolments_record_results(
        actor=official,
        session=session,
        results=[
            {"worker": c.pk, "exam_score": "80", "exam_passed": "true", "completed_on": "2025-03-03"},
            {"worker": a.pk, "hours": "8", "exam_passed": "true", "completed_on": "2025-03-03"},
        ],
    )
    tally.refresh_from_db()
    assert (tally.completions, tally.hours) == (3, Decimal("36.0")) and tally_matches_records()


def test_a_bad_row_saves_nothing_and_says_which_row_and_field(city, home, official, enrolled):
    session, (a, b, _c) = enrolled
    stranger = factories.worker(at=home, actor=city)
    with pytest.raises(ValidationError) as exc:
        services.enrolments_record_results(
            actor=official,
            session=session,
            completed_on="2025-03-03",
            results=[
                {"worker": a.pk, "exam_score": "90"},
                {"worker": b.pk, "exam_score": "190", "exam_passed": "maybe"},
                {"worker": stranger.pk},
                {"worker": a.pk},
            ],
        )
    assert set(exc.value.message_dict) == {
        "results.1.exam_score",
        "results.1.exam_passed",
        "results.2.worker",
        "results.3.worker",
    }
    assert not session.enrolments.exclude(status=EnrolmentStatus.ENROLLED).exists()
    assert not TrainingTally.objects.exists()
    with pytest.raises(ValidationError) as exc:
        services.enrolments_record_results(actor=official, session=session, results=[])
    assert "results" in exc.value.message_dict


# ---------------------------------------------------------------- pages


def test_the_register_page_lists_the_enrolled_masked_and_takes_attendance(client, official, enrolled):
    session, (a, b, c) = enrolled
    client.force_login(official)
    detail = client.get(reverse("training:session_detail", args=[session.pk])).content.decode()
    url = reverse("training:session_register", args=[session.pk])
    assert url in detail and reverse("training:session_edit", args=[session.pk]) in detail
    page = client.get(url, {"day": "2025-03-02"}).content.decode()
    assert "张三" in page and a.id_number_masked in page and a.reveal_id_number() not in page
    response = client.post(
        reverse("training:attendance_save", args=[session.pk]),
        {"day": "2025-03-02", "present": [str(a.pk), str(c.pk)], "listed": [str(a.pk), str(b.pk), str(c.pk)]},
    )
    assert response.status_code == 302 and "day=2025-03-02" in response["Location"]
    marks = dict(Attendance.objects.filter(day=DAY2).values_list("enrolment__worker_id", "present"))
    assert marks == {a.pk: True, b.pk: False, c.pk: True}
    page = client.get(url, {"day": "2025-03-02"}).content.decode()

    def ticked(worker) -> bool:
        return "checked" in page.split(f'name="present" value="{worker.pk}"')[1].split(">")[0]

    assert (ticked(a), ticked(b), ticked(c)) == (True, False, True)
    assert "2/3" in page  # the day's tab: present / recorded


def test_the_register_page_records_results_and_keeps_input_on_error(client, official, enrolled):
    session, (a, b, _c) = enrolled
    client.force_login(official)
    url = reverse("training:results_save", args=[session.pk])
    bad = client.post(
        url,
        {
            "completed_on": "2025-03-03",
            "result": [str(a.pk), str(b.pk)],
            f"score-{a.pk}": "88",
            f"passed-{a.pk}": "true",
            f"score-{b.pk}": "abc",
        },
    )
    assert bad.status_code == 422
    page = bad.content.decode()
    assert 'value="88"' in page and 'value="abc"' in page and "table-danger" in page
    assert not session.enrolments.exclude(status=EnrolmentStatus.ENROLLED).exists()
    register = client.get(reverse("training:session_register", args=[session.pk])).content.decode()
    date_box = register.split('name="completed_on"')[1].split(">")[0]
    assert 'form="results-form"' in date_box  # the box is outside the form element: it must name it
    good = client.post(
        url,
        {
            "completed_on": "2025-03-02",
            "result": [str(a.pk), str(b.pk)],
            f"score-{a.pk}": "88",
            f"passed-{a.pk}": "true",
            f"hours-{b.pk}": "10",
            f"passed-{b.pk}": "false",
        },
    )
    assert good.status_code == 302
    rows = {e.worker_id: e for e in session.enrolments.all()}
    assert (rows[a.pk].status, rows[a.pk].exam_score) == ("completed", Decimal("88.0"))
    assert rows[a.pk].completed_on == DAY2
    assert rows[b.pk].status == "not_completed"
    assert tally_matches_records()


def test_the_register_is_read_only_for_auditors_and_hidden_from_workers(client, city, home, enrolled):
    session, (a, _b, _c) = enrolled
    auditor = factories.user(Role.AUDITOR, district=District.objects.get(code="500103"))
    client.force_login(auditor)
    page = client.get(reverse("training:session_register", args=[session.pk])).content.decode()
    assert "张三" in page and "attendance-form" not in page and "results-form" not in page
    client.force_login(factories.user(Role.WORKER, worker=a))
    assert client.get(reverse("training:session_register", args=[session.pk])).status_code == 404


def test_the_register_page_costs_the_same_queries_for_more_workers(
    client, city, home, official, course, django_assert_max_num_queries
):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    client.force_login(official)
    client.get(
        reverse("core:home")
    )  # the account's permissions and device are then known (core/account_cache.py)
    counts = []
    for size in (2, 12):
        session = ft.session(course=course, actor=official, capacity=50)
        workers = [factories.worker(at=home, actor=city) for _ in range(size)]
        services.enrolments_create(actor=official, session=session, workers=workers)
        services.attendance_record(
            actor=official, session=session, day=DAY1, present_worker_ids=[workers[0].pk]
        )
        with CaptureQueriesContext(connection) as ctx:
            assert client.get(reverse("training:session_register", args=[session.pk])).status_code == 200
        counts.append(len(ctx))
    assert counts[0] == counts[1], counts
    assert counts[1] <= 20


def test_the_session_edit_page_changes_the_session_and_shows_refusals(client, official, enrolled):
    session, _workers = enrolled
    client.force_login(official)
    url = reverse("training:session_edit", args=[session.pk])
    form = client.get(url).content.decode()
    assert 'value="2025-03-01"' in form and 'value="渝中区培训中心"' in form
    data = {
        "start_date": "2025-03-01",
        "end_date": "2025-03-04",
        "venue": "区民政局",
        "base": "",
        "capacity": "2",
    }
    bad = client.post(url, data)
    assert bad.status_code == 200 and "已有 3 人报名" in bad.content.decode()
    assert client.post(url, {**data, "capacity": "8"}).status_code == 302
    session.refresh_from_db()
    assert (session.end_date, session.venue, session.capacity) == (datetime.date(2025, 3, 4), "区民政局", 8)


# ---------------------------------------------------------------- API


def test_api_changes_a_session_and_refuses_by_field(client, official, enrolled):
    session, _workers = enrolled
    client.force_login(official)
    url = f"/api/v1/training/sessions/{session.pk}"
    changed = client.patch(url, {"capacity": 6, "venue": "区民政局"}, content_type="application/json")
    assert changed.status_code == 200, changed.content
    assert (changed.json()["capacity"], changed.json()["venue"]) == (6, "区民政局")
    bad = client.patch(url, {"end_date": "2025-02-01", "capacity": 1}, content_type="application/json")
    assert bad.status_code == 422
    assert {e["field"] for e in bad.json()["errors"]} == {"end_date"}
    low = client.patch(url, {"capacity": 1}, content_type="application/json")
    assert low.status_code == 422 and low.json()["errors"][0]["field"] == "capacity"
    unknown = client.patch(url, {"title": "x"}, content_type="application/json")
    assert unknown.status_code == 422


def test_api_takes_the_register_and_records_results(client, official, enrolled):
    session, (a, b, c) = enrolled
    client.force_login(official)
    base = f"/api/v1/training/sessions/{session.pk}"
    taken = client.post(
        f"{base}/attendance", {"day": "2025-03-01", "present": [a.pk, b.pk]}, content_type="application/json"
    )
    assert taken.json() == {"count": 3}
    rows = client.get(f"{base}/attendance", {"day": "2025-03-01"}).json()
    assert {(r["worker_id"], r["present"]) for r in rows} == {(a.pk, True), (b.pk, True), (c.pk, False)}
    done = client.post(
        f"{base}/results",
        {
            "completed_on": "2025-03-03",
            "results": [
                {"worker": a.pk, "exam_score": "91", "exam_passed": True},
                {"worker": b.pk, "exam_passed": "不合格"},
            ],
        },
        content_type="application/json",
    )
    assert done.json() == {"count": 2}
    statuses = {e["worker_id"]: e["status"] for e in client.get(f"{base}/enrolments").json()}
    assert statuses == {a.pk: "completed", b.pk: "not_completed", c.pk: "enrolled"}
    bad = client.post(
        f"{base}/results", {"results": [{"worker": c.pk, "hours": "-1"}]}, content_type="application/json"
    )
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "results.0.hours"
    assert tally_matches_records()


def test_a_withdrawn_worker_leaves_the_register_and_the_tally_and_may_come_back(client, official, enrolled):
    session, (a, b, _c) = enrolled
    services.enrolments_record_results(
        actor=official,
        session=session,
        completed_on="2025-03-03",
        results=[{"worker": a.pk}, {"worker": b.pk}],
    )
    client.force_login(official)
    response = client.post(reverse("training:withdraw", args=[session.pk]), {"worker": str(a.pk)})
    assert response.status_code == 302
    assert session.enrolments.get(worker=a).status == EnrolmentStatus.WITHDRAWN
    assert TrainingTally.objects.get(year=2025).completions == 1 and tally_matches_records()
    page = client.get(reverse("training:session_register", args=[session.pk])).content.decode()
    assert f'id="register-{a.pk}"' not in page and f'id="register-{b.pk}"' in page
    # Enrolled again: back on the same enrolment, and it can be completed again.
    (again,) = services.enrolments_create(actor=official, session=session, workers=[a])
    assert again.status == EnrolmentStatus.ENROLLED and session.enrolments.filter(worker=a).count() == 1
    services.enrolments_record_results(
        actor=official, session=session, completed_on="2025-03-03", results=[{"worker": a.pk}]
    )
    assert TrainingTally.objects.get(year=2025).completions == 2 and tally_matches_records()
    # The API withdraws too; out of the organiser's scope it is not there.
    enrolment = session.enrolments.get(worker=b)
    withdrawn = client.post(f"/api/v1/training/enrolments/{enrolment.pk}/withdraw")
    assert withdrawn.status_code == 200 and withdrawn.json()["status"] == "withdrawn"
    assert TrainingTally.objects.get(year=2025).completions == 1 and tally_matches_records()
    client.force_login(factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105")))
    assert client.post(f"/api/v1/training/enrolments/{enrolment.pk}/withdraw").status_code == 404


def test_api_enrols_by_institution_occupation_and_list(client, city, home, official, course):
    session = ft.session(course=course, actor=official, capacity=20)
    carers = [factories.worker(at=home, actor=city) for _ in range(2)]
    head = ft.director(home, actor=city)
    elsewhere = factories.worker(at=factories.institution(actor=city, district_code="500103"), actor=city)
    client.force_login(official)
    url = f"/api/v1/training/sessions/{session.pk}/enrolments"
    by_occupation = client.post(
        url, {"institution": home.pk, "occupation": "director"}, content_type="application/json"
    )
    assert by_occupation.status_code == 201 and by_occupation.json() == {"count": 1, "not_found": []}
    listed = client.post(
        url,
        {"institution": home.uscc, "listing": [str(elsewhere.pk), "999999999", elsewhere.reveal_id_number()]},
        content_type="application/json",
    )
    assert listed.json() == {"count": 3, "not_found": ["999999999"]}  # the two carers and the listed one
    enrolled = set(session.enrolments.values_list("worker_id", flat=True))
    assert enrolled == {head.pk, elsewhere.pk, *(w.pk for w in carers)}
    bad = client.post(url, {"occupation": "astronaut"}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "occupation"
    # The page uses the same selection.
    other = ft.session(course=course, actor=official, capacity=20)
    client.post(reverse("training:session_enrol", args=[other.pk]), {"occupation": "director"})
    assert list(other.enrolments.values_list("worker_id", flat=True)) == [head.pk]


# ---------------------------------------------------------------- course corrections


def test_an_organiser_corrects_a_course_and_the_audit_says_what_changed(official, course):
    services.course_update(
        actor=official,
        course=course,
        data={"title": " 渝中区在岗轮训（春季） ", "hours": "12", "modules": "law、安全管理"},
    )
    course.refresh_from_db()
    assert (course.title, course.hours) == ("渝中区在岗轮训（春季）", Decimal("12"))  # as typed, trimmed
    assert sorted(m.code for m in course.modules.all()) == ["law", "safety"]
    event = AuditEvent.objects.filter(object_type="training.course", action="update").get()
    assert event.changes["title"] == ["渝中区在岗轮训", "渝中区在岗轮训（春季）"]
    assert [Decimal(v) for v in event.changes["hours"]] == [Decimal("16"), Decimal("12")]
    assert event.changes["modules"][1] == ["law", "safety"]
    # Only what is given changes; the same values again record nothing.
    services.course_update(actor=official, course=course, data={"description": ""})
    assert AuditEvent.objects.filter(object_type="training.course", action="update").count() == 1


def test_a_course_correction_is_checked_and_refused_whole(official, course):
    with pytest.raises(ValidationError) as exc:
        services.course_update(
            actor=official, course=course, data={"title": " ", "hours": "0", "modules": ["no-such"]}
        )
    assert {"title", "hours", "modules"} <= set(exc.value.message_dict)
    course.refresh_from_db()
    assert course.title == "渝中区在岗轮训" and course.hours == Decimal("16")


def test_only_the_organisers_may_correct_a_course(city, home, official, course):
    other_district = factories.user(Role.DISTRICT_ADMIN, district=District.objects.get(code="500105"))
    auditor = factories.user(Role.AUDITOR)
    for outsider in (other_district, auditor, factories.user(Role.INSTITUTION_ADMIN, institution=home)):
        with pytest.raises(Http404):
            services.course_update(actor=outsider, course=course, data={"title": "改名"})
    assert services.course_update(actor=city, course=course, data={"title": "市里改的"}).title == "市里改的"


def test_the_course_page_and_api_change_a_course(client, official, enrolled, course):
    session, _workers = enrolled
    client.force_login(official)
    page = client.get(reverse("training:course_edit", args=[session.pk]))
    assert page.status_code == 200 and "渝中区在岗轮训" in page.content.decode()
    refused = client.post(
        reverse("training:course_edit", args=[session.pk]), {"title": "新名", "hours": "-1"}
    )
    assert refused.status_code == 200 and "is-invalid" in refused.content.decode()
    done = client.post(
        reverse("training:course_edit", args=[session.pk]), {"title": "新名", "hours": "20", "modules": []}
    )
    assert done.status_code == 302
    course.refresh_from_db()
    assert (course.title, course.hours) == ("新名", Decimal("20"))
    response = client.patch(
        f"/api/v1/training/courses/{course.pk}", {"hours": "18"}, content_type="application/json"
    )
    assert response.status_code == 200, response.content
    assert response.json()["hours"] in ("18", "18.0") and response.json()["title"] == "新名"
    bad = client.patch(
        f"/api/v1/training/courses/{course.pk}", {"hours": "x"}, content_type="application/json"
    )
    assert bad.status_code == 422 and "hours" in str(bad.json())
