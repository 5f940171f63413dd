"""Online courses (互联网+培训) through the API, as a phone app would take them: the worker lists the courses
open to them, starts one, marks lessons done one by one, and the last lesson completes the course."""

import datetime

import pytest

from careforce.core.models import Role
from careforce.training import services
from careforce.training.models import Enrolment, EnrolmentStatus
from tests import factories
from tests import factories_training as ft

pytestmark = pytest.mark.django_db


def test_a_worker_takes_an_online_course_lesson_by_lesson(client, city, home):
    worker = factories.worker(at=home, actor=city)
    account = factories.user(Role.WORKER, worker=worker)
    course = ft.course(kind="online", hours="3", title="失智照护线上课")
    session = ft.session(
        course=course, end_date=datetime.date.today() + datetime.timedelta(days=30), venue=""
    )
    first = services.lesson_add(actor=city, course=course, data={"title": "认识失智", "minutes": 10})
    second = services.lesson_add(actor=city, course=course, data={"title": "沟通技巧", "minutes": 15})
    client.force_login(account)

    listed = client.get("/api/v1/training/online").json()
    assert [(row["session"]["id"], row["enrolment_id"]) for row in listed] == [(session.pk, None)]
    started = client.post(f"/api/v1/training/sessions/{session.pk}/start")
    assert started.status_code == 201, started.content
    progress = started.json()
    assert (progress["done"], progress["total"], progress["status"]) == (0, 2, "enrolled")
    enrolment_id = progress["enrolment_id"]
    assert client.get("/api/v1/training/online").json()[0]["enrolment_id"] == enrolment_id

    url = f"/api/v1/training/enrolments/{enrolment_id}/progress"
    opened = client.post(
        f"/api/v1/training/enrolments/{enrolment_id}/opened",
        {"lesson": first.pk},
        content_type="application/json",
    ).json()
    # Nothing set on the course: 3 class hours × 45 minutes over its 2 lessons.
    assert opened["lesson_min_minutes"] == 68 and opened["lessons"][0]["minutes_left"] == 68
    too_soon = client.post(url, {"lesson": first.pk}, content_type="application/json")
    assert too_soon.status_code == 422 and too_soon.json()["errors"][0]["field"] == "lesson"
    enrolment = Enrolment.objects.get(pk=enrolment_id)
    ft.time_passes(enrolment, 68)
    after_first = client.post(url, {"lesson": first.pk}, content_type="application/json").json()
    assert after_first["done"] == 1 and after_first["status"] == "enrolled"
    assert [lesson["done"] for lesson in after_first["lessons"]] == [True, False]
    other = ft.course(kind="online")
    stray = services.lesson_add(actor=city, course=other, data={"title": "别的课", "minutes": 5})
    bad = client.post(url, {"lesson": stray.pk}, content_type="application/json")
    assert bad.status_code == 422 and bad.json()["errors"][0]["field"] == "lesson"
    client.post(
        f"/api/v1/training/enrolments/{enrolment_id}/opened",
        {"lesson": second.pk},
        content_type="application/json",
    )
    ft.time_passes(enrolment, 68)
    done = client.post(url, {"lesson": second.pk}, content_type="application/json").json()
    assert (done["done"], done["status"]) == (2, EnrolmentStatus.COMPLETED)
    history = client.get(f"/api/v1/workers/{worker.pk}/training").json()
    assert history[0]["status"] == "completed" and history[0]["hours"] == "3.0"


def test_online_routes_are_for_the_worker_on_the_course(client, city, home):
    worker = factories.worker(at=home, actor=city)
    course = ft.course(kind="online")
    session = ft.session(
        course=course, end_date=datetime.date.today() + datetime.timedelta(days=30), venue=""
    )
    lesson = services.lesson_add(actor=city, course=course, data={"title": "消防安全", "minutes": 5})
    (enrolment,) = services.enrolments_create(actor=city, session=session, workers=[worker])
    url = f"/api/v1/training/enrolments/{enrolment.pk}/progress"
    client.force_login(factories.user(Role.AUDITOR))
    assert client.get("/api/v1/training/online").status_code == 404
    assert client.get(url).status_code == 200  # auditors read
    assert client.post(url, {"lesson": lesson.pk}, content_type="application/json").status_code == 404
    client.force_login(factories.user(Role.WORKER, worker=factories.worker(at=home, actor=city)))
    assert client.get(url).status_code == 404  # another worker's enrolment
    client.force_login(city)  # the organiser may mark a lesson for the worker
    assert (
        client.post(url, {"lesson": lesson.pk}, content_type="application/json").json()["status"]
        == "completed"
    )
